"""I/O: the normalize agent: `alerts.raw` envelopes → canonical alerts on `alerts.normalized`, bad input → `alerts.dlq`.

Envelopes are taken a batch at a time (up to `NORMALIZE_BATCH`, or whatever arrived within
`streams.records.BATCH_WINDOW_S`); the alerts they hold go out as one record per partition of
`alerts.normalized` (streams/records.py), so dedupe pays one hop per batch, not per alert.

`alerts.normalized` is keyed by the alert's correlation scope (its site), as `alerts.changes`
is, not by fingerprint: every alert of a site then passes dedupe on one partition, in the order
normalize sent it, so a site's changes reach correlation in that order even after a rebalance.
Keyed by fingerprint, a site's alerts were spread over partitions that a survivor takes over,
recovers and replays at different moments, and correlation saw an alert's NEW after its site's
later RESOLVEs (docs/workers.md, Limits).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import faust

from streams.agents.safety import collect_guarded
from streams.alerts.dedupe import correlation_scope
from streams.alerts.model import Alert, Envelope
from streams.alerts.normalize import normalize
from streams.alerts.parsers import PARSERS, Parser
from streams.app import StreamTopics
from streams.batch_send import send_batched
from streams.dead_letter import invalid_input_record
from streams.metrics import DEAD_LETTERS
from streams.records import BATCH_WINDOW_S

#: The stage name: the agent's name, its metric label, and its key in `streams.topics.STAGE_INPUTS`.
STAGE = "normalize"
#: Envelopes per batch (an HTTP envelope holds up to the sender's batch, 64 alerts from Prometheus).
NORMALIZE_BATCH = 32


def register_normalize(app: faust.App, topics: StreamTopics, parsers: Mapping[str, Parser] = PARSERS) -> None:
    """Add the normalize agent to `app`, parsing with `parsers` (the built-in registry by default)."""

    async def handle(value: Mapping[str, Any]) -> tuple[Alert, ...]:
        envelope = Envelope.from_dict(value)
        result = normalize(envelope, parsers)
        if result.error:
            DEAD_LETTERS.labels("normalize").inc()
            record = invalid_input_record(envelope=envelope, reason=result.error, parser=result.parser)
            await topics.dlq.send(key=envelope.source.encode(), value=record)
        return result.alerts

    @app.agent(topics.raw, name=STAGE)
    async def normalize_agent(stream: faust.StreamT) -> None:
        async for values in stream.take(NORMALIZE_BATCH, within=BATCH_WINDOW_S):
            alerts = await collect_guarded(stage=STAGE, records=values, handler=handle, dlq=topics.dlq)
            await send_batched(topics.normalized, alerts, key_of=_scope_key, encode=Alert.to_dict)


def _scope_key(alert: Alert) -> bytes:
    return correlation_scope(alert).encode()
