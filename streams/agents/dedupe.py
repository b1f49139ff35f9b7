"""I/O: the dedupe agent: `alerts.normalized` (key: fingerprint) → transitions on `alerts.changes` (key: scope).

State per fingerprint lives in a faust table (a cache; the database holds what people rely on).
"""
from __future__ import annotations

from typing import Any, Mapping

import faust

from streams.agents.safety import run_guarded
from streams.alerts.dedupe import DedupeState, dedupe
from streams.alerts.model import Alert
from streams.app import StreamTopics
from streams.clock import Clock
from streams.metrics import ALERT_CHANGES, ALERTS_DEDUPED

#: The stage name: the agent's name, its metric label, and its key in `streams.topics.STAGE_INPUTS`.
STAGE = "dedupe"


def register_dedupe(app: faust.App, topics: StreamTopics, clock: Clock) -> None:
    """Add the dedupe agent and its state table to `app`."""
    states = app.Table("dedupe-state", partitions=topics.normalized.partitions)

    async def handle(value: Mapping[str, Any]) -> None:
        alert = Alert.from_dict(value)
        prior = states.get(alert.fingerprint)
        decision = dedupe(DedupeState.from_dict(prior) if prior else None, alert, now=clock.now())
        states[alert.fingerprint] = decision.state.to_dict()
        if decision.change is None:
            ALERTS_DEDUPED.inc()
            return
        ALERT_CHANGES.labels(str(decision.change.kind)).inc()
        await topics.changes.send(key=decision.change.scope.encode(), value=decision.change.to_dict())

    @app.agent(topics.normalized, name=STAGE)
    async def dedupe_agent(stream: faust.StreamT) -> None:
        async for value in stream:
            await run_guarded(stage=STAGE, value=value, handler=handle, dlq=topics.dlq)
