"""A sink for heartbeat tests that records the reports the monitor would put on alerts.raw."""
from __future__ import annotations

import asyncio
import json

from streams.alerts.model import Envelope
from streams.alerts.receivers.sink import SinkUnavailable


class RecordingSink:
    """Keeps the reports that would go to alerts.raw.

    `down` refuses them; `fail_after_ack` keeps them and then fails, as a crash before the commit
    would; `gate` holds them until it is set.
    """

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.down = False
        self.fail_after_ack = False
        self.entered = asyncio.Event()
        self.gate: asyncio.Event | None = None

    async def publish(self, envelope: Envelope) -> None:
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.down:
            raise SinkUnavailable("broker did not acknowledge within 5s")
        self.envelopes.append(envelope)
        if self.fail_after_ack:
            raise SinkUnavailable("failed after the broker acknowledged")

    def reports(self) -> list[tuple[str, str]]:
        """(name, status) of every report, in order."""
        return [(json.loads(e.body)["name"], json.loads(e.body)["status"]) for e in self.envelopes]
