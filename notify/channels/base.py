"""Pure: the `Channel` protocol every delivery channel implements, and its `SendResult`.

A channel never raises: a failed delivery is a result with an error a person can act on, so the
pager can record it on the outbox row. The caller bounds every send with a timeout.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SendResult:
    """What a channel reports for one send: accepted (with the provider's id) or failed (with why)."""

    ok: bool
    provider_id: str | None = None
    error: str | None = None
    retryable: bool = False  # a 5xx, timeout or lost connection: the same send may succeed later


class Channel(Protocol):
    """A way to deliver a message to a recipient (console, SMS, voice, chat webhook)."""

    name: str

    async def send(self, *, recipient: str, body: str, timeout: float, message_id: int) -> SendResult:
        """Deliver `body` to `recipient`.

        Args:
            recipient: who to reach, in the channel's own addressing (a name, an E.164 number).
            body: the rendered message text.
            timeout: seconds the caller will wait; pass it on to provider calls so they give up
                before the caller cancels them.
            message_id: the outbox row's id, for provider callbacks (status, voice TwiML) to find it.

        Returns:
            `SendResult(ok=True, provider_id=...)` once the provider accepted the message, or
            `SendResult(ok=False, error=...)` saying why it was not.

        Raises:
            Nothing: failures are results. The caller still wraps the call in
            `asyncio.wait_for(..., timeout)`, so a send may be cancelled.
        """
        ...
