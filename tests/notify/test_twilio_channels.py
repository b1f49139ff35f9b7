"""SMS and voice channels through the official Twilio client against the Twilio fake, over real HTTP.

What the pager relies on: an accepted page carries the provider sid, the callbacks point at the
outbox row, and a failure says whether the same send may succeed later.
"""
from __future__ import annotations

import io
import re
import socket
from typing import AsyncIterator

import aiohttp
import httpx
import pytest
from sqlalchemy.orm import sessionmaker

from notify.channels.dingtalk import DingTalkChannel
from notify.channels.twilio_client import TwilioConfig
from notify.channels.twilio_sms import TwilioSmsChannel
from notify.channels.twilio_voice import TwilioVoiceChannel
from notify.dispatcher import Dispatcher
from notify.twilio_fake import FakeSettings, TwilioFake
from tests.notify.twilio_webhooks import Webhooks

ACCOUNT_SID = "AC" + "2" * 32
AUTH_TOKEN = "channel-test-token"
FROM = "+15005550006"
PHONE = "+8613800000001"
BODY = "[alertdesk] CRITICAL UPS-1 on battery"
CHANNELS = [TwilioSmsChannel, TwilioVoiceChannel]


@pytest.fixture
async def webhooks() -> AsyncIterator[Webhooks]:
    hooks = Webhooks(AUTH_TOKEN)
    await hooks.start()
    yield hooks
    await hooks.stop()


@pytest.fixture
async def fake() -> AsyncIterator[TwilioFake]:
    settings = FakeSettings(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, phone_number=FROM, callback_backoff_s=0.01)
    async with TwilioFake(settings, log=io.StringIO()) as running:
        yield running


def config(api_base_url: str, webhook_base_url: str) -> TwilioConfig:
    return TwilioConfig(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        from_number=FROM,
        webhook_base_url=webhook_base_url,
        api_base_url=api_base_url,
    )


async def script(fake: TwilioFake, **behaviour: object) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{fake.url}/_fake/behaviour", json=behaviour) as response:
            assert response.status == 200, await response.text()


async def send_once(channel_class, cfg: TwilioConfig, *, recipient: str = PHONE, timeout: float = 5.0, timeout_s=5.0):
    channel = channel_class(cfg, timeout_s)
    try:
        return await channel.send(recipient=recipient, body=BODY, timeout=timeout, message_id=42)
    finally:
        await channel.aclose()


async def test_sms_channel_sends_with_the_outbox_rows_status_callback(fake, webhooks):
    result = await send_once(TwilioSmsChannel, config(fake.url, webhooks.url + "/"))
    await fake.settle()

    assert result.ok and result.provider_id.startswith("SM") and result.error is None
    (record,) = list(fake.state.messages)
    assert (record.sid, record.to, record.from_, record.body) == (result.provider_id, PHONE, FROM, BODY)
    assert record.status_callback == f"{webhooks.url}/twilio/status/42"
    delivered = webhooks.on("/twilio/status/42")
    assert [item.params["MessageStatus"] for item in delivered] == ["sent", "delivered"]
    assert all(item.signed for item in delivered)


async def test_voice_channel_calls_with_twiml_url_and_every_progress_event(fake, webhooks):
    await script(fake, number=PHONE, press="1")

    result = await send_once(TwilioVoiceChannel, config(fake.url, webhooks.url))
    await fake.settle()

    assert result.ok and result.provider_id.startswith("CA")
    (record,) = list(fake.state.calls)
    assert (record.sid, record.url, record.method) == (result.provider_id, f"{webhooks.url}/twilio/voice/42", "POST")
    assert record.status_callback == f"{webhooks.url}/twilio/status/42"
    assert record.status_callback_events == ("initiated", "ringing", "answered", "completed")
    assert [item.params["CallStatus"] for item in webhooks.on("/twilio/status/42")] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    assert webhooks.on("/twilio/gather/42")[0].params["Digits"] == "1"
    assert all(item.signed for item in webhooks.received)


@pytest.mark.parametrize("channel_class", CHANNELS)
async def test_twilio_503_is_a_retryable_failure(fake, webhooks, channel_class):
    await script(fake, number=PHONE, api_errors=1)

    result = await send_once(channel_class, config(fake.url, webhooks.url))

    assert (result.ok, result.retryable, result.provider_id) == (False, True, None)
    assert "HTTP 503" in result.error


@pytest.mark.parametrize("channel_class", CHANNELS)
async def test_invalid_number_is_a_final_failure(fake, webhooks, channel_class):
    result = await send_once(channel_class, config(fake.url, webhooks.url), recipient="+86-138")

    assert (result.ok, result.retryable) == (False, False)
    assert "HTTP 400, error 21211" in result.error and "+86-138" in result.error


@pytest.mark.parametrize("channel_class", CHANNELS)
@pytest.mark.parametrize(("send_timeout", "transport_timeout"), [(0.2, 5.0), (5.0, 0.2)])
async def test_a_slow_twilio_is_a_retryable_timeout(fake, webhooks, channel_class, send_timeout, transport_timeout):
    await script(fake, number=PHONE, api_delay_s=0.6)

    result = await send_once(
        channel_class, config(fake.url, webhooks.url), timeout=send_timeout, timeout_s=transport_timeout
    )

    assert (result.ok, result.retryable) == (False, True)
    expected = "within 0.2s" if send_timeout < transport_timeout else "before the HTTP timeout"
    assert "Twilio did not answer" in result.error and expected in result.error


@pytest.mark.parametrize("channel_class", CHANNELS)
async def test_unreachable_twilio_is_a_retryable_failure(webhooks, channel_class):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_url = f"http://127.0.0.1:{probe.getsockname()[1]}"

    result = await send_once(channel_class, config(closed_url, webhooks.url))

    assert (result.ok, result.retryable) == (False, True)
    assert "could not reach Twilio" in result.error


async def test_region_in_the_environment_does_not_redirect_requests(fake, webhooks, monkeypatch):
    monkeypatch.setenv("TWILIO_REGION", "ie1")
    monkeypatch.setenv("TWILIO_EDGE", "dublin")

    result = await send_once(TwilioSmsChannel, config(fake.url, webhooks.url))

    assert result.ok


def test_config_hides_the_token_and_normalises_urls():
    cfg = config("http://127.0.0.1:9/", "http://alertdesk.example:8080/")

    assert AUTH_TOKEN not in repr(cfg)
    assert (cfg.api_base_url, cfg.webhook_base_url) == ("http://127.0.0.1:9", "http://alertdesk.example:8080")
    assert TwilioConfig(
        account_sid=ACCOUNT_SID, auth_token="t", from_number=FROM, webhook_base_url="http://x"
    ).api_base_url == "https://api.twilio.com"


@pytest.mark.parametrize(
    ("field", "value", "complaint"),
    [
        ("account_sid", "XX123", "account_sid must start with 'AC'"),
        ("auth_token", "", "auth_token is empty"),
        ("from_number", "13800000000", "from_number must be E.164"),
        ("webhook_base_url", "127.0.0.1:8080", "webhook_base_url must be an http(s) base URL"),
        ("api_base_url", "ftp://twilio", "api_base_url must be an http(s) base URL"),
    ],
)
def test_config_rejects_bad_values_naming_the_field(field, value, complaint):
    values = {
        "account_sid": ACCOUNT_SID,
        "auth_token": AUTH_TOKEN,
        "from_number": FROM,
        "webhook_base_url": "http://127.0.0.1:8080",
        "api_base_url": "https://api.twilio.com",
    }
    with pytest.raises(ValueError, match=re.escape(complaint)):
        TwilioConfig(**(values | {field: value}))


async def test_shutdown_closes_every_channels_http_session_once(fake, webhooks):
    cfg = config(fake.url, webhooks.url)
    sms, voice = TwilioSmsChannel(cfg, 5.0), TwilioVoiceChannel(cfg, 5.0)
    chat_client = httpx.AsyncClient()
    chat = DingTalkChannel({}, client=chat_client)
    dispatcher = Dispatcher(sessionmaker(), {"sms": sms, "voice": voice, "dingtalk": chat, "wecom": chat})
    assert (await sms.send(recipient=PHONE, body=BODY, timeout=5.0, message_id=1)).ok
    session = sms._client.http_client.session

    await dispatcher.aclose()

    assert session.closed and chat_client.is_closed
