"""Chat group-bot channels against a real local HTTP server that checks each vendor's signature like the vendor does.

The server plays DingTalk, WeCom and Feishu: it verifies the access token / key and the
signature, answers in the vendor's JSON dialect, and can be told to refuse, fail with a status,
answer garbage, or hang (to prove the channel's time limit).
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from notify.channels.chat_common import ChatBot, ChatKind, parse_chat_bot, parse_chat_bots
from notify.channels.dingtalk import DingTalkChannel
from notify.channels.feishu import FeishuChannel
from notify.channels.wecom import WeComChannel
from streams.clock import FakeClock

NOW = datetime(2026, 3, 1, 19, 0, tzinfo=timezone.utc)
DING_TOKEN, DING_SECRET = "ding-token-1", "SECd1ng+/secret="
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
FEISHU_HOOK, FEISHU_SECRET = "hook-3f9a", "fs-secret-9"
BODY = "[P1][重大] #12 UPS-1 市电中断，转电池供电 (dc1) 3条告警"


class Vendor:
    """The fake vendors' state: what they received and how they should answer next."""

    def __init__(self) -> None:
        self.mode = "normal"  # normal | http500 | http400 | http429 | not_json | hang | code:<n>
        self.received: list[tuple[str, dict[str, str], dict]] = []
        self.release = asyncio.Event()
        self.base = ""  # the server's http://127.0.0.1:port

    def override(self) -> web.Response | None:
        """The forced answer for the current mode, if any."""
        if self.mode.startswith("http"):
            return web.Response(status=int(self.mode[4:]), text="busy")
        if self.mode == "not_json":
            return web.Response(text="<html>gateway</html>")
        return None

    def within_an_hour(self, seconds: float) -> bool:
        """Vendors refuse a signature whose timestamp is more than an hour from their clock."""
        return abs(seconds - NOW.timestamp()) <= 3600


def _b64_hmac(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def vendor_app(vendor: Vendor) -> web.Application:
    async def common(request: web.Request, kind: str) -> tuple[dict, web.Response | None]:
        payload = await request.json()
        vendor.received.append((kind, dict(request.query), payload))
        if vendor.mode == "hang":
            await vendor.release.wait()
        return payload, vendor.override()

    def coded(key: str, code: int, message: str) -> web.Response:
        return web.json_response({key: code, "errmsg" if key == "errcode" else "msg": message})

    def forced_code(key: str) -> web.Response | None:
        if vendor.mode.startswith("code:"):
            return coded(key, int(vendor.mode[5:]), "vendor says no")
        return None

    async def dingtalk(request: web.Request) -> web.Response:
        payload, forced = await common(request, "dingtalk")
        if forced:
            return forced
        query = request.query
        if query.get("access_token") != DING_TOKEN:
            return coded("errcode", 300001, "token is not exist")
        if "sign" in query:  # the signed bot
            timestamp = query["timestamp"]
            expected = _b64_hmac(DING_SECRET.encode(), f"{timestamp}\n{DING_SECRET}".encode())
            if query["sign"] != expected or not vendor.within_an_hour(int(timestamp) / 1000):
                return coded("errcode", 310000, "sign not match")
        if payload.get("msgtype") != "text" or not payload.get("text", {}).get("content"):
            return coded("errcode", 40035, "missing content")
        return forced_code("errcode") or coded("errcode", 0, "ok")

    async def wecom(request: web.Request) -> web.Response:
        payload, forced = await common(request, "wecom")
        if forced:
            return forced
        if request.query.get("key") != WECOM_KEY:
            return coded("errcode", 93000, "invalid webhook url")
        if payload.get("msgtype") != "text" or not payload.get("text", {}).get("content"):
            return coded("errcode", 40008, "invalid message type")
        return forced_code("errcode") or coded("errcode", 0, "ok")

    async def feishu(request: web.Request) -> web.Response:
        payload, forced = await common(request, "feishu")
        if forced:
            return forced
        if request.match_info["hook"] != FEISHU_HOOK:
            return coded("code", 19001, "param invalid: incoming webhook access token invalid")
        timestamp = payload.get("timestamp", "")
        expected = _b64_hmac(f"{timestamp}\n{FEISHU_SECRET}".encode(), b"")
        if payload.get("sign") != expected or not vendor.within_an_hour(int(timestamp or 0)):
            return coded("code", 19021, "sign match fail or timestamp is not within one hour from current time")
        if payload.get("msg_type") != "text" or not payload.get("content", {}).get("text"):
            return coded("code", 9499, "Bad Request")
        return forced_code("code") or web.json_response({"code": 0, "data": {}, "msg": "success"})

    app = web.Application()
    app.router.add_post("/robot/send", dingtalk)
    app.router.add_post("/cgi-bin/webhook/send", wecom)
    app.router.add_post("/open-apis/bot/v2/hook/{hook}", feishu)
    return app


@pytest.fixture
async def vendor():
    state = Vendor()
    server = TestServer(vendor_app(state), host="127.0.0.1")
    await server.start_server()
    state.base = str(server.make_url("")).rstrip("/")
    yield state
    state.release.set()  # let a hanging handler finish so the server closes at once
    await server.close()


def bots(base: str) -> dict[str, ChatBot]:
    specs = [
        f"ops-ding=dingtalk:{base}/robot/send?access_token={DING_TOKEN};secret={DING_SECRET}",
        f"ops-ding-open=dingtalk:{base}/robot/send?access_token={DING_TOKEN}",
        f"ops-ding-wrong=dingtalk:{base}/robot/send?access_token={DING_TOKEN};secret=SECwrong",
        f"ops-wecom=wecom:{base}/cgi-bin/webhook/send?key={WECOM_KEY}",
        f"ops-wecom-wrong=wecom:{base}/cgi-bin/webhook/send?key=not-the-key",
        f"ops-feishu=feishu:{base}/open-apis/bot/v2/hook/{FEISHU_HOOK};secret={FEISHU_SECRET}",
        f"ops-feishu-wrong=feishu:{base}/open-apis/bot/v2/hook/{FEISHU_HOOK};secret=nope",
    ]
    return parse_chat_bots(specs)


def channel(cls, vendor, *, at: datetime = NOW, client: httpx.AsyncClient | None = None):
    return cls(bots(vendor.base), clock=FakeClock(at), client=client)


CHANNELS = [(DingTalkChannel, "ops-ding"), (WeComChannel, "ops-wecom"), (FeishuChannel, "ops-feishu")]


@pytest.mark.parametrize(("cls", "bot"), CHANNELS)
async def test_delivers_a_signed_text_message(vendor, cls, bot):
    result = await channel(cls, vendor).send(recipient=bot, body=BODY, timeout=5.0, message_id=42)

    assert (result.ok, result.provider_id, result.error) == (True, f"{bot}/42", None)
    ((kind, query, payload),) = vendor.received
    assert kind == cls.kind
    text = payload["content"]["text"] if kind == ChatKind.FEISHU else payload["text"]["content"]
    assert text == BODY


async def test_dingtalk_signature_rides_in_the_query_beside_the_token(vendor):
    await channel(DingTalkChannel, vendor).send(recipient="ops-ding", body=BODY, timeout=5.0, message_id=1)

    ((_, query, payload),) = vendor.received
    assert query["access_token"] == DING_TOKEN
    assert query["timestamp"] == str(int(NOW.timestamp() * 1000))  # milliseconds
    assert payload == {"msgtype": "text", "text": {"content": BODY}}


async def test_dingtalk_bot_without_a_secret_is_not_signed(vendor):
    result = await channel(DingTalkChannel, vendor).send(recipient="ops-ding-open", body=BODY, timeout=5.0, message_id=1)

    assert result.ok
    ((_, query, _),) = vendor.received
    assert set(query) == {"access_token"}


async def test_feishu_signature_rides_in_the_body_in_seconds(vendor):
    await channel(FeishuChannel, vendor).send(recipient="ops-feishu", body=BODY, timeout=5.0, message_id=1)

    ((_, _, payload),) = vendor.received
    assert payload["timestamp"] == str(int(NOW.timestamp()))
    assert payload["msg_type"] == "text" and payload["content"] == {"text": BODY}


@pytest.mark.parametrize(
    ("cls", "bot", "code"),
    [(DingTalkChannel, "ops-ding-wrong", 310000), (WeComChannel, "ops-wecom-wrong", 93000), (FeishuChannel, "ops-feishu-wrong", 19021)],
)
async def test_vendor_refusal_is_a_failure_that_names_the_bot_not_its_secrets(vendor, cls, bot, code):
    result = await channel(cls, vendor).send(recipient=bot, body=BODY, timeout=5.0, message_id=1)

    assert not result.ok and not result.retryable
    assert f"{cls.kind} bot {bot!r} refused the message: code {code}" in result.error
    for secret in (DING_TOKEN, "SECwrong", "not-the-key", FEISHU_HOOK, "nope", vendor.base):
        assert secret not in result.error


async def test_a_clock_more_than_an_hour_off_is_refused_by_the_vendor(vendor):
    result = await channel(DingTalkChannel, vendor, at=NOW - timedelta(hours=2)).send(
        recipient="ops-ding", body=BODY, timeout=5.0, message_id=1
    )

    assert not result.ok and "310000" in result.error


@pytest.mark.parametrize(("cls", "bot"), CHANNELS)
@pytest.mark.parametrize(
    ("mode", "retryable", "error"),
    [
        ("http500", True, "answered HTTP 500"),
        ("http429", True, "answered HTTP 429"),
        ("http400", False, "answered HTTP 400"),
        ("not_json", False, "body that is not JSON"),
    ],
)
async def test_http_failures(vendor, cls, bot, mode, retryable, error):
    vendor.mode = mode

    result = await channel(cls, vendor).send(recipient=bot, body=BODY, timeout=5.0, message_id=1)

    assert (result.ok, result.retryable) == (False, retryable)
    assert error in result.error


@pytest.mark.parametrize(
    ("cls", "bot", "code"), [(DingTalkChannel, "ops-ding", 130101), (WeComChannel, "ops-wecom", 45009), (FeishuChannel, "ops-feishu", 9499)]
)
async def test_vendor_rate_limit_codes_are_retryable(vendor, cls, bot, code):
    vendor.mode = f"code:{code}"

    result = await channel(cls, vendor).send(recipient=bot, body=BODY, timeout=5.0, message_id=1)

    assert not result.ok and result.retryable and f"code {code}" in result.error


@pytest.mark.parametrize(("cls", "bot"), CHANNELS)
async def test_a_hanging_vendor_is_given_up_on_within_the_timeout(vendor, cls, bot):
    vendor.mode = "hang"
    started = time.monotonic()

    result = await channel(cls, vendor).send(recipient=bot, body=BODY, timeout=0.3, message_id=1)

    assert time.monotonic() - started < 2.0
    assert not result.ok and result.retryable and "did not answer within 0.3s" in result.error


async def test_unreachable_vendor_is_retryable():
    dead = parse_chat_bots([f"ops-wecom=wecom:http://127.0.0.1:9/cgi-bin/webhook/send?key={WECOM_KEY}"])

    result = await WeComChannel(dead).send(recipient="ops-wecom", body=BODY, timeout=2.0, message_id=1)

    assert not result.ok and result.retryable and result.error.startswith("wecom bot 'ops-wecom' unreachable")


async def test_unknown_bot_or_a_bot_of_another_vendor_is_a_failure(vendor):
    ding = channel(DingTalkChannel, vendor)

    unknown = await ding.send(recipient="nobody", body=BODY, timeout=1.0, message_id=1)
    other = await ding.send(recipient="ops-wecom", body=BODY, timeout=1.0, message_id=1)

    assert not unknown.ok and not unknown.retryable
    assert unknown.error == "no dingtalk bot named 'nobody' is configured (known: ['ops-ding', 'ops-ding-open', 'ops-ding-wrong'])"
    assert not other.ok and "no dingtalk bot named 'ops-wecom'" in other.error
    assert vendor.received == []


async def test_a_shared_client_is_used_and_left_open(vendor):
    async with httpx.AsyncClient() as client:
        result = await channel(FeishuChannel, vendor, client=client).send(
            recipient="ops-feishu", body=BODY, timeout=5.0, message_id=7
        )
        assert result.ok and not client.is_closed


def test_channel_names_match_the_contact_kinds():
    assert [cls({}).name for cls, _ in CHANNELS] == ["dingtalk", "wecom", "feishu"]


def test_parse_chat_bot():
    bot = parse_chat_bot(" ops = DingTalk:https://oapi.dingtalk.com/robot/send?access_token=abc;secret=SEC1;2=x ")

    assert (bot.name, bot.kind, bot.url) == ("ops", ChatKind.DINGTALK, "https://oapi.dingtalk.com/robot/send?access_token=abc")
    assert bot.secret == "SEC1;2=x"
    assert "abc" not in repr(bot) and "SEC1" not in repr(bot)
    assert parse_chat_bot("fs=feishu:https://open.feishu.cn/open-apis/bot/v2/hook/x").secret is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("dingtalk:https://x.example/robot/send", "the name is missing"),
        ("=dingtalk:https://x.example/robot/send", "the name is missing"),
        ("ops=slack:https://x.example/hook", "kind 'slack' is not one of"),
        ("ops=dingtalk", "must be an absolute http(s) URL"),
        ("ops=dingtalk:/robot/send", "must be an absolute http(s) URL"),
        ("ops=dingtalk:ftp://x.example/robot", "must be an absolute http(s) URL"),
        ("ops=dingtalk:https://x.example/robot/send?access_token=t;secret=", "'secret=' is empty"),
        ("ops=wecom:https://x.example/cgi-bin/webhook/send?key=k;secret=s", "WeCom group bots are not signed"),
        ("ops=wecom:https://x.example/cgi-bin/webhook/send", "needs its '?key=...' query parameter"),
    ],
)
def test_parse_chat_bot_errors(spec, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_chat_bot(spec)


def test_duplicate_bot_names_are_an_error():
    spec = "ops=feishu:https://open.feishu.cn/open-apis/bot/v2/hook/x"
    with pytest.raises(ValueError, match="chat bot 'ops' is configured twice"):
        parse_chat_bots([spec, spec])


async def test_a_bot_built_with_a_broken_url_fails_instead_of_raising():
    broken = {"ops": ChatBot(name="ops", kind=ChatKind.WECOM, url="http://[::1")}

    result = await WeComChannel(broken).send(recipient="ops", body=BODY, timeout=1.0, message_id=1)

    assert (result.ok, result.retryable, result.error) == (False, False, "wecom bot 'ops' has an invalid webhook URL")
