"""I/O: the official Twilio client on its own aiohttp transport, pointed at Twilio or at our HTTP fake.

Tests and `alertdesk up` run the production path — `twilio.rest.Client`, its request building and
response parsing, `AsyncTwilioHttpClient` — and differ from production only in the API base URL,
so a bug in how we call Twilio shows up against the fake too.
"""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Awaitable
from urllib.parse import urlsplit

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from notify.channels.base import SendResult

TWILIO_API_BASE_URL = "https://api.twilio.com"
_E164 = re.compile(r"\+[1-9]\d{1,14}")


def _check_base_url(name: str, url: str) -> str:
    """Return `url` without a trailing slash, or raise naming the setting if it is not an http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"TwilioConfig.{name} must be an http(s) base URL like 'http://127.0.0.1:8080', got {url!r}")
    return url.rstrip("/")


@dataclass(frozen=True, kw_only=True)
class TwilioConfig:
    """How alertdesk reaches Twilio, and how Twilio reaches alertdesk back.

    `webhook_base_url` is alertdesk's public base URL *as Twilio sees it*: callbacks are signed
    over the exact URL, so a proxy that rewrites it makes every signature check fail.
    """

    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str
    webhook_base_url: str
    api_base_url: str = TWILIO_API_BASE_URL

    def __post_init__(self) -> None:
        if not self.account_sid.startswith("AC"):
            raise ValueError(f"TwilioConfig.account_sid must start with 'AC', got {self.account_sid!r}")
        if not self.auth_token:
            raise ValueError("TwilioConfig.auth_token is empty")
        if not _E164.fullmatch(self.from_number):
            raise ValueError(f"TwilioConfig.from_number must be E.164 like '+8613800000000', got {self.from_number!r}")
        # Normalised once here so every URL built from them has exactly one slash.
        object.__setattr__(self, "webhook_base_url", _check_base_url("webhook_base_url", self.webhook_base_url))
        object.__setattr__(self, "api_base_url", _check_base_url("api_base_url", self.api_base_url))


class RedirectingHttpClient(AsyncTwilioHttpClient):
    """Twilio's aiohttp transport with the API host swapped for `api_base_url` and a default timeout.

    The parent ignores its own `timeout` for async requests (aiohttp then waits forever), so the
    configured timeout is applied to every request that does not bring one. The aiohttp session is
    created on first use, inside the running event loop, so the client can be built anywhere.
    """

    def __init__(self, *, api_base_url: str, timeout_s: float) -> None:
        super().__init__(pool_connections=False, timeout=timeout_s)
        self._api_base_url = api_base_url

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        """Send the request Twilio's client built, to `api_base_url` instead of api.twilio.com."""
        if self.session is None:
            self.session = aiohttp.ClientSession()
        if url.startswith(TWILIO_API_BASE_URL):
            url = self._api_base_url + url[len(TWILIO_API_BASE_URL) :]
        return await super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout if timeout is not None else self.timeout,
            allow_redirects=allow_redirects,
        )


def twilio_client(config: TwilioConfig, timeout_s: float) -> Client:
    """The official client for `config`, async, each request giving up after `timeout_s` seconds.

    Close it with `await client.http_client.close()`.
    """
    if timeout_s <= 0:
        raise ValueError(f"twilio_client timeout_s must be positive, got {timeout_s!r}")
    # The client would otherwise read TWILIO_REGION / TWILIO_EDGE from os.environ and send requests
    # to a regional host the fake does not answer; the config is the only source of settings.
    environment = MappingProxyType({"TWILIO_ACCOUNT_SID": config.account_sid, "TWILIO_AUTH_TOKEN": config.auth_token})
    return Client(
        config.account_sid,
        config.auth_token,
        http_client=RedirectingHttpClient(api_base_url=config.api_base_url, timeout_s=timeout_s),
        environment=environment,
    )


def _rejected(what: str, status: int, code: object, detail: str) -> SendResult:
    """A Twilio error answer: 5xx and 429 (rate limited) may pass later; any other 4xx never will."""
    retryable = status >= 500 or status == 429
    error = f"Twilio refused {what} (HTTP {status}, error {code}): {detail}"
    return SendResult(ok=False, error=error, retryable=retryable)


async def create_on_twilio(create: Awaitable[Any], *, what: str, timeout: float) -> SendResult:
    """Await a Twilio `create_async(...)` and turn its outcome into a `SendResult`; never raises.

    Args:
        create: the pending `client.messages.create_async(...)` or `client.calls.create_async(...)`.
        what: what is being sent, for error messages ("SMS to +8613800000000").
        timeout: seconds before giving up; a timeout is retryable, since Twilio may not have got it.

    Returns:
        `SendResult(ok=True, provider_id=<sid>)`, or a failed result whose `retryable` says whether
        the same send may succeed later (5xx, 429, timeout, connection error) or never will (4xx).
    """
    deadline = asyncio.timeout(timeout)
    try:
        async with deadline:
            resource = await create
    except TwilioRestException as exc:
        return _rejected(what, exc.status, exc.code, exc.msg)
    except TwilioServiceException as exc:
        return _rejected(what, exc.status, exc.code, exc.detail or exc.title)
    except TimeoutError as exc:  # our deadline, or the HTTP client's own timeout (an aiohttp ClientError too)
        waited = f"within {timeout:g}s" if deadline.expired() else f"before the HTTP timeout ({exc!r})"
        return SendResult(ok=False, error=f"Twilio did not answer {what} {waited}", retryable=True)
    except aiohttp.ClientError as exc:
        return SendResult(ok=False, error=f"could not reach Twilio for {what}: {exc!r}", retryable=True)
    except ValueError as exc:  # a 2xx whose body is not Twilio's JSON: it may have been accepted, so no resend
        return SendResult(ok=False, error=f"unreadable Twilio answer to {what}: {exc}")
    return SendResult(ok=True, provider_id=resource.sid)
