"""I/O: the dedupe agent: `alerts.normalized` (key: fingerprint) → transitions on `alerts.changes` (key: scope).

State per fingerprint lives in a faust table (a cache; the database holds what people rely on).
"""
from __future__ import annotations

from typing import Any, Mapping

import faust

from streams.agents.safety import run_guarded
from streams.alerts.dedupe import DedupeState, dedupe
from streams.alerts.flapping import FlapPolicy
from streams.alerts.model import Alert
from streams.app import StreamTopics
from streams.clock import Clock
from streams.metrics import ALERT_CHANGES, ALERTS_DEDUPED, FLAPPING_HELD_BACK

#: The stage name: the agent's name, its metric label, and its key in `streams.topics.STAGE_INPUTS`.
STAGE = "dedupe"


def register_dedupe(app: faust.App, topics: StreamTopics, clock: Clock, policy: FlapPolicy) -> None:
    """Add the dedupe agent and its state table to `app`; `policy` says when an alert flaps."""
    states = app.Table("dedupe-state", partitions=topics.normalized.partitions)

    async def handle(value: Mapping[str, Any]) -> None:
        alert = Alert.from_dict(value)
        prior = states.get(alert.fingerprint)
        decision = dedupe(DedupeState.from_dict(prior) if prior else None, alert, now=clock.now(), policy=policy)
        states[alert.fingerprint] = decision.state.to_dict()
        if decision.held_back:
            FLAPPING_HELD_BACK.labels(str(decision.held_back)).inc()
        elif not decision.changes:
            ALERTS_DEDUPED.inc()
        # In order, awaited one by one: UNFLAPPED must reach correlation before the RESOLVED after it.
        for change in decision.changes:
            ALERT_CHANGES.labels(str(change.kind)).inc()
            await topics.changes.send(key=change.scope.encode(), value=change.to_dict())

    @app.agent(topics.normalized, name=STAGE)
    async def dedupe_agent(stream: faust.StreamT) -> None:
        async for value in stream:
            await run_guarded(stage=STAGE, value=value, handler=handle, dlq=topics.dlq)
