"""I/O: the dedupe agent: `alerts.normalized` (key: scope) → transitions on `alerts.changes` (key: scope).

State per fingerprint lives in a faust table (a cache; the database holds what people rely on).
A record holds one alert or a batch of alerts of one partition (streams/records.py), and is
handled as one event: the table writes its changelog to the partition of the event being
processed, which is every item's own partition (an alert's scope, a function of its labels as
its fingerprint is), so the table stays co-partitioned with its input. The changes of a record
go out as one record per partition of `alerts.changes`, in order, so an UNFLAPPED still reaches
correlation before the RESOLVED after it.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import faust

from streams.agents.safety import collect_guarded
from streams.alerts.dedupe import DedupeState, dedupe
from streams.alerts.flapping import FlapPolicy
from streams.alerts.model import Alert, AlertChange
from streams.app import StreamTopics
from streams.batch_send import send_batched
from streams.clock import Clock
from streams.metrics import ALERT_CHANGES, ALERTS_DEDUPED, FLAPPING_HELD_BACK

#: The stage name: the agent's name, its metric label, and its key in `streams.topics.STAGE_INPUTS`.
STAGE = "dedupe"


def register_dedupe(app: faust.App, topics: StreamTopics, clock: Clock, policy: FlapPolicy) -> None:
    """Add the dedupe agent and its state table to `app`; `policy` says when an alert flaps."""
    states = app.Table("dedupe-state", partitions=topics.normalized.partitions)

    async def fold(value: Mapping[str, Any]) -> tuple[AlertChange, ...]:
        alert = Alert.from_dict(value)
        prior = states.get(alert.fingerprint)
        decision = dedupe(DedupeState.from_dict(prior) if prior else None, alert, now=clock.now(), policy=policy)
        states[alert.fingerprint] = decision.state.to_dict()
        if decision.held_back:
            FLAPPING_HELD_BACK.labels(str(decision.held_back)).inc()
        elif not decision.changes:
            ALERTS_DEDUPED.inc()
        for change in decision.changes:
            ALERT_CHANGES.labels(str(change.kind)).inc()
        return decision.changes

    @app.agent(topics.normalized, name=STAGE)
    async def dedupe_agent(stream: faust.StreamT) -> None:
        async for value in stream:
            changes = await collect_guarded(stage=STAGE, records=[value], handler=fold, dlq=topics.dlq)
            await send_batched(topics.changes, changes, key_of=_scope_key, encode=AlertChange.to_dict)


def _scope_key(change: AlertChange) -> bytes:
    return change.scope.encode()
