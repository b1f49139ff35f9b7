"""I/O: what the chat group-bot channels (DingTalk, WeCom, Feishu) share — bot config and one signed POST.

A person's chat contact names a configured bot (`address: ops-dingtalk`); the bot's webhook URL
carries its access token, so URLs and secrets never appear in errors, logs or `repr`. Each vendor
module only says how its request looks (`ChatBotChannel.request`); sending, the time limit, and
reading the answer are here, so the three cannot drift apart.

The vendors answer HTTP 200 even when they refuse a message and say so in the JSON body
(`errcode` for DingTalk and WeCom, `code` for Feishu); only 0 means delivered.
"""
from __future__ import annotations

import asyncio
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Iterable, Mapping

import httpx

from notify.channels.base import SendResult
from streams.clock import Clock, SystemClock


class ChatKind(StrEnum):
    """Which vendor a bot belongs to; equal to the channel's name and the contact kind."""

    DINGTALK = "dingtalk"
    WECOM = "wecom"
    FEISHU = "feishu"


@dataclass(frozen=True)
class ChatBot:
    """One group bot: its webhook URL and, for signed bots, the signing secret."""

    name: str
    kind: ChatKind
    url: str = field(repr=False)  # holds the access token / key
    secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ChatRequest:
    """What to POST: the full URL (with any signing query parameters) and the JSON body."""

    url: httpx.URL
    payload: Mapping[str, Any]


def parse_chat_bot(spec: str) -> ChatBot:
    """Parse `name=kind:URL` or `name=kind:URL;secret=S` into a `ChatBot`.

    Raises:
        ValueError: naming the bot (never the URL or secret) and what is wrong.
    """
    name, equals, rest = spec.partition("=")
    name = name.strip()
    if not equals or not name:
        raise ValueError("chat bot must look like 'name=kind:URL' or 'name=kind:URL;secret=S'; the name is missing")
    kind_text, colon, rest = rest.partition(":")
    try:
        kind = ChatKind(kind_text.strip().lower())
    except ValueError:
        raise ValueError(
            f"chat bot {name!r}: kind {kind_text.strip()!r} is not one of {[str(kind) for kind in ChatKind]}"
        ) from None
    url, marker, secret = rest.rpartition(";secret=") if ";secret=" in rest else (rest, "", "")
    url, secret = url.strip(), secret.strip()
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if not colon or parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"chat bot {name!r}: the webhook URL after '{kind}:' must be an absolute http(s) URL")
    if marker and not secret:
        raise ValueError(f"chat bot {name!r}: 'secret=' is empty; remove it or give the bot's signing secret")
    if kind == ChatKind.WECOM:
        if secret:
            raise ValueError(f"chat bot {name!r}: WeCom group bots are not signed; remove ';secret=...'")
        if not parsed.params.get("key"):
            raise ValueError(f"chat bot {name!r}: a WeCom webhook URL needs its '?key=...' query parameter")
    return ChatBot(name=name, kind=kind, url=url, secret=secret or None)


def parse_chat_bots(specs: Iterable[str]) -> dict[str, ChatBot]:
    """Parse several bot specs into bots by name.

    Raises:
        ValueError: if a spec is invalid or two bots share a name.
    """
    bots: dict[str, ChatBot] = {}
    for spec in specs:
        bot = parse_chat_bot(spec)
        if bot.name in bots:
            raise ValueError(f"chat bot {bot.name!r} is configured twice")
        bots[bot.name] = bot
    return bots


class ChatBotChannel(ABC):
    """A `Channel` to one vendor's group bots; subclasses say how the vendor's request looks.

    Pass an `httpx.AsyncClient` to reuse connections (`aclose()` closes it on shutdown); without
    one, each send opens and closes its own, which is fine at paging rates and ties nothing to a loop.
    """

    kind: ClassVar[ChatKind]
    # Answer codes that mean "too many messages, try later" rather than "this will never work".
    retryable_codes: ClassVar[frozenset[int]] = frozenset()

    def __init__(
        self,
        bots: Mapping[str, ChatBot],
        *,
        clock: Clock | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.name = str(self.kind)
        self._bots = dict(bots)
        self._clock = clock or SystemClock()
        self._client = client

    async def aclose(self) -> None:
        """Close the shared HTTP client, if one was given; the channel must not be used afterwards."""
        if self._client is not None:
            await self._client.aclose()

    @abstractmethod
    def request(self, bot: ChatBot, body: str, now: datetime) -> ChatRequest:
        """The vendor's request for `body` to `bot`, signed as of `now`."""

    async def send(self, *, recipient: str, body: str, timeout: float, message_id: int) -> SendResult:
        """Post `body` to the bot named `recipient`.

        Args:
            recipient: a configured bot's name (the contact's address).
            body: the rendered message text.
            timeout: seconds for the whole exchange (connect, send, answer).
            message_id: the outbox row's id; part of the provider id, as the bots return none.

        Returns:
            ok with `provider_id` `<bot>/<message_id>`; or failed with why, `retryable` for
            timeouts, lost connections, HTTP 429/5xx and the vendor's rate-limit codes.

        Raises:
            Nothing: failures are results.
        """
        bot = self._bots.get(recipient)
        if bot is None or bot.kind != self.kind:
            known = sorted(name for name, b in self._bots.items() if b.kind == self.kind)
            return SendResult(ok=False, error=f"no {self.kind} bot named {recipient!r} is configured (known: {known})")
        where = f"{self.kind} bot {bot.name!r}"
        try:
            request = self.request(bot, body, self._clock.now())
            async with asyncio.timeout(timeout):
                response = await self._post(request, timeout)
        except (TimeoutError, httpx.TimeoutException):
            return SendResult(ok=False, error=f"{where} did not answer within {timeout:g}s", retryable=True)
        except httpx.HTTPError as exc:
            return SendResult(ok=False, error=f"{where} unreachable: {type(exc).__name__}", retryable=True)
        except httpx.InvalidURL:  # a ChatBot built without parse_chat_bot
            return SendResult(ok=False, error=f"{where} has an invalid webhook URL")
        return self._judge(where, bot, response, message_id)

    async def _post(self, request: ChatRequest, timeout: float) -> httpx.Response:
        """POST the JSON body, through the shared client if there is one."""
        if self._client is not None:
            return await self._client.post(request.url, json=request.payload, timeout=timeout)
        async with httpx.AsyncClient(timeout=timeout) as client:
            return await client.post(request.url, json=request.payload)

    def _judge(self, where: str, bot: ChatBot, response: httpx.Response, message_id: int) -> SendResult:
        """Turn the vendor's answer into a result: only HTTP 2xx with code 0 is delivered."""
        status = response.status_code
        if not response.is_success:
            retryable = status == 429 or status >= 500
            return SendResult(ok=False, error=f"{where} answered HTTP {status}", retryable=retryable)
        try:
            answer = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return SendResult(ok=False, error=f"{where} answered HTTP {status} with a body that is not JSON")
        code = _answer_code(answer)
        if code is None:
            return SendResult(ok=False, error=f"{where} answered without an errcode/code: {str(answer)[:200]}")
        if code != 0:
            message = answer.get("errmsg") or answer.get("msg") or ""
            return SendResult(
                ok=False,
                error=f"{where} refused the message: code {code} {str(message)[:200]}".rstrip(),
                retryable=code in self.retryable_codes,
            )
        return SendResult(ok=True, provider_id=f"{bot.name}/{message_id}")


def _answer_code(answer: Any) -> int | None:
    """The vendor's result code: `errcode` (DingTalk, WeCom), `code` or legacy `StatusCode` (Feishu)."""
    if not isinstance(answer, dict):
        return None
    for key in ("errcode", "code", "StatusCode"):
        value = answer.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None
