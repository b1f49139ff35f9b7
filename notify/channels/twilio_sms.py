"""I/O: the SMS channel: one Twilio Message per page, its delivery reported to our status webhook."""
from __future__ import annotations

from notify.channels.base import SendResult
from notify.channels.twilio_client import TwilioConfig, create_on_twilio, twilio_client


class TwilioSmsChannel:
    """Sends a page as an SMS from `config.from_number`; Twilio reports sent/delivered/failed later.

    Call `aclose()` on shutdown to release the HTTP connection pool.
    """

    name = "sms"

    def __init__(self, config: TwilioConfig, timeout_s: float) -> None:
        self._config = config
        self._client = twilio_client(config, timeout_s)

    async def send(self, *, recipient: str, body: str, timeout: float, message_id: int) -> SendResult:
        """Create the Message; the status callback URL carries `message_id` so the webhook finds the outbox row.

        Returns `SendResult(ok=True, provider_id=<SM sid>)`, or a failed result that is retryable
        for 5xx/429/timeouts/connection errors and not for 4xx (an invalid number stays invalid).
        """
        create = self._client.messages.create_async(
            to=recipient,
            from_=self._config.from_number,
            body=body,
            status_callback=f"{self._config.webhook_base_url}/twilio/status/{message_id}",
        )
        return await create_on_twilio(create, what=f"SMS to {recipient}", timeout=timeout)

    async def aclose(self) -> None:
        """Close the HTTP session; the channel must not be used afterwards."""
        await self._client.http_client.close()
