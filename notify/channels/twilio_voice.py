"""I/O: the voice channel: one Twilio Call per page; Twilio fetches what to say from our TwiML webhook.

The call carries only URLs: the voice webhook reads the page text from the outbox row named by
`message_id`, so the text spoken is the text recorded, and an acknowledgement keypress on the
call lands on that row.
"""
from __future__ import annotations

from notify.channels.base import SendResult
from notify.channels.twilio_client import TwilioConfig, create_on_twilio, twilio_client

# Every progress event, so the timeline shows a call that rang and was not answered, not just "failed".
CALL_EVENTS = ("initiated", "ringing", "answered", "completed")


class TwilioVoiceChannel:
    """Phones the recipient from `config.from_number`; call progress arrives on our status webhook.

    Call `aclose()` on shutdown to release the HTTP connection pool.
    """

    name = "voice"

    def __init__(self, config: TwilioConfig, timeout_s: float) -> None:
        self._config = config
        self._client = twilio_client(config, timeout_s)

    async def send(self, *, recipient: str, body: str, timeout: float, message_id: int) -> SendResult:
        """Create the Call; `body` is not sent (the TwiML webhook reads it from the outbox row).

        Returns `SendResult(ok=True, provider_id=<CA sid>)`, or a failed result that is retryable
        for 5xx/429/timeouts/connection errors and not for 4xx (an invalid number stays invalid).
        """
        base = self._config.webhook_base_url
        create = self._client.calls.create_async(
            to=recipient,
            from_=self._config.from_number,
            url=f"{base}/twilio/voice/{message_id}",
            method="POST",
            status_callback=f"{base}/twilio/status/{message_id}",
            status_callback_event=list(CALL_EVENTS),
            status_callback_method="POST",
        )
        return await create_on_twilio(create, what=f"call to {recipient}", timeout=timeout)

    async def aclose(self) -> None:
        """Close the HTTP session; the channel must not be used afterwards."""
        await self._client.http_client.close()
