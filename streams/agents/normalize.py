"""I/O: the normalize agent: `alerts.raw` envelopes → canonical alerts on `alerts.normalized`, bad input → `alerts.dlq`."""
from __future__ import annotations

from typing import Any, Mapping

import faust

from streams.agents.safety import run_guarded
from streams.alerts.model import Envelope
from streams.alerts.normalize import normalize
from streams.alerts.parsers import PARSERS, Parser
from streams.app import StreamTopics
from streams.dead_letter import invalid_input_record
from streams.metrics import DEAD_LETTERS

#: The stage name: the agent's name, its metric label, and its key in `streams.topics.STAGE_INPUTS`.
STAGE = "normalize"


def register_normalize(app: faust.App, topics: StreamTopics, parsers: Mapping[str, Parser] = PARSERS) -> None:
    """Add the normalize agent to `app`, parsing with `parsers` (the built-in registry by default)."""

    async def handle(value: Mapping[str, Any]) -> None:
        envelope = Envelope.from_dict(value)
        result = normalize(envelope, parsers)
        if result.error:
            DEAD_LETTERS.labels("normalize").inc()
            record = invalid_input_record(envelope=envelope, reason=result.error, parser=result.parser)
            await topics.dlq.send(key=envelope.source.encode(), value=record)
            return
        for alert in result.alerts:
            await topics.normalized.send(key=alert.fingerprint.encode(), value=alert.to_dict())

    @app.agent(topics.raw, name=STAGE)
    async def normalize_agent(stream: faust.StreamT) -> None:
        async for value in stream:
            await run_guarded(stage=STAGE, value=value, handler=handle, dlq=topics.dlq)
