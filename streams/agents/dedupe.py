"""I/O: the dedupe agent: `alerts.normalized` (key: scope) → transitions on `alerts.changes` (key: scope).

State per fingerprint lives in a faust table (a cache; the database holds what people rely on).
A record holds one alert or a batch of alerts of one partition (streams/records.py), and is
handled as one event: the table writes its changelog to the partition of the event being
processed, which is every item's own partition (an alert's scope, a function of its labels as
its fingerprint is), so the table stays co-partitioned with its input. The changes of a record
go out as one record per partition of `alerts.changes`, in order, so an UNFLAPPED still reaches
correlation before the RESOLVED after it.

The table is written only after the broker has acknowledged a record's changes. The other way
round, a worker killed between the two writes left the table saying "already firing" for an
alert whose NEW never went out, and the alert stayed off its incident until its source sent it
again. Now a kill between them leaves the table as it was: the record is read again (its offset
was not committed), the same changes go out with the same ids, and correlation and the incident
writer drop what they already have.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from typing import Any

import faust
from aiokafka.errors import KafkaError
from faust.types import TopicT

from streams.agents.safety import call_with_retries, collect_guarded
from streams.alerts.dedupe import DedupeState, dedupe
from streams.alerts.flapping import FlapPolicy
from streams.alerts.model import Alert, AlertChange
from streams.app import StreamTopics
from streams.batch_send import send_batched
from streams.clock import Clock
from streams.metrics import ALERT_CHANGES, ALERTS_DEDUPED, FLAPPING_HELD_BACK
from streams.retry import RetryPolicy

#: The stage name: the agent's name, its metric label, and its key in `streams.topics.STAGE_INPUTS`.
STAGE = "dedupe"


#: A broker that does not acknowledge a record's changes is retried (16 s of backoff), holding the partition;
#: a resend after a lost acknowledgement repeats changes, which correlation and the writer drop.
DELIVERY_RETRY = RetryPolicy(transient=(KafkaError,), attempts=8, first_delay_s=0.2, max_delay_s=5.0)
#: Sends a record's changes and returns once the broker has them.
SendChanges = Callable[[Sequence[AlertChange]], Awaitable[None]]


async def dedupe_record(
    value: Mapping[str, Any], *, states: MutableMapping[str, Any], clock: Clock, policy: FlapPolicy,
    send: SendChanges, dlq: TopicT,
) -> None:
    """Dedupe one record's alerts against `states`, send the changes, then write the new states."""
    folded: dict[str, DedupeState] = {}

    async def fold(item: Mapping[str, Any]) -> tuple[AlertChange, ...]:
        alert = Alert.from_dict(item)
        prior = folded.get(alert.fingerprint)
        if prior is None and (stored := states.get(alert.fingerprint)):
            prior = DedupeState.from_dict(stored)
        decision = dedupe(prior, alert, now=clock.now(), policy=policy)
        folded[alert.fingerprint] = decision.state
        if decision.held_back:
            FLAPPING_HELD_BACK.labels(str(decision.held_back)).inc()
        elif not decision.changes:
            ALERTS_DEDUPED.inc()
        for change in decision.changes:
            ALERT_CHANGES.labels(str(change.kind)).inc()
        return decision.changes

    changes = await collect_guarded(stage=STAGE, records=[value], handler=fold, dlq=dlq)
    await send(changes)
    for fingerprint, state in folded.items():
        states[fingerprint] = state.to_dict()


def register_dedupe(app: faust.App, topics: StreamTopics, clock: Clock, policy: FlapPolicy) -> None:
    """Add the dedupe agent and its state table to `app`; `policy` says when an alert flaps."""
    states = app.Table("dedupe-state", partitions=topics.normalized.partitions)

    async def send(changes: Sequence[AlertChange]) -> None:
        await call_with_retries(
            lambda: send_batched(topics.changes, changes, key_of=_scope_key, encode=AlertChange.to_dict,
                                 delivered=True),
            stage=STAGE, retry=DELIVERY_RETRY,
        )

    @app.agent(topics.normalized, name=STAGE)
    async def dedupe_agent(stream: faust.StreamT) -> None:
        async for value in stream:
            await dedupe_record(value, states=states, clock=clock, policy=policy, send=send, dlq=topics.dlq)


def _scope_key(change: AlertChange) -> bytes:
    return change.scope.encode()
