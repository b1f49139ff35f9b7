"""I/O: the fake's requests to alertdesk's webhooks, signed exactly as Twilio signs them.

The signature is `twilio.request_validator.RequestValidator(auth_token).compute_signature(url,
params)` in the `X-Twilio-Signature` header, so alertdesk's real signature check runs in every
test. Like Twilio, a webhook that is down or answers 5xx is tried again a few times with backoff;
a 4xx is final.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlencode, urlsplit

import aiohttp
from twilio.request_validator import RequestValidator

from notify.twilio_fake.state import CallbackOutcome
from notify.twilio_fake.twiml_reader import MAX_TWIML_BYTES


@dataclass(frozen=True)
class WebhookAnswer:
    """A webhook's answer: the outcome to record, and its body (TwiML) when it answered 2xx."""

    outcome: CallbackOutcome
    body: str

    @property
    def ok(self) -> bool:
        """Whether the webhook answered 2xx."""
        status = self.outcome.http_status
        return status is not None and 200 <= status < 300


class WebhookPoster:
    """Makes signed webhook requests with a per-try timeout and capped, doubling backoff.

    Must be used inside the running event loop (it owns an aiohttp session); `close()` when done.
    """

    def __init__(self, *, auth_token: str, timeout_s: float = 5.0, max_tries: int = 3, backoff_s: float = 0.2) -> None:
        if timeout_s <= 0 or max_tries < 1 or backoff_s < 0:
            raise ValueError(
                f"WebhookPoster needs timeout_s > 0, max_tries >= 1, backoff_s >= 0; "
                f"got {timeout_s!r}, {max_tries!r}, {backoff_s!r}"
            )
        self._validator = RequestValidator(auth_token)
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._max_tries = max_tries
        self._backoff_s = backoff_s
        self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def close(self) -> None:
        """Release the connection pool."""
        await self._session.close()

    async def send(self, kind: str, url: str, params: Mapping[str, str], *, method: str = "POST") -> WebhookAnswer:
        """Request `url` with `params` (form body for POST, query string for GET), signed; never raises.

        Args:
            kind: what the request is for ("status", "voice", "gather", "sms"), recorded with it.
            url: the absolute URL alertdesk gave Twilio; the signature covers it exactly.
            params: Twilio's request parameters.
            method: POST, or GET as a TwiML `method` attribute may ask.
        """
        if method == "GET":
            query = urlencode(params)
            url = f"{url}{'&' if urlsplit(url).query else '?'}{query}" if query else url
            body: Mapping[str, str] | None = None
            signature = self._validator.compute_signature(url, {})
        else:
            body = params
            signature = self._validator.compute_signature(url, dict(params))
        http_status: int | None = None
        error: str | None = None
        text = ""
        tries = 0
        while tries < self._max_tries:
            if tries:
                await asyncio.sleep(self._backoff_s * 2 ** (tries - 1))
            tries += 1
            try:
                async with self._session.request(
                    method, url, data=body, headers={"X-Twilio-Signature": signature}, allow_redirects=False
                ) as response:
                    http_status = response.status
                    text = (await response.content.read(MAX_TWIML_BYTES + 1)).decode("utf-8", errors="replace")
            except (aiohttp.ClientError, TimeoutError) as exc:
                http_status, error = None, f"{type(exc).__name__}: {exc}"
                continue
            error = None if 200 <= http_status < 300 else f"HTTP {http_status}"
            if http_status < 500:
                break
        outcome = CallbackOutcome(kind, url, dict(params), http_status, tries, error)
        return WebhookAnswer(outcome, text)
