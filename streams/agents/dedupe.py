"""I/O: the dedupe agent: `alerts.normalized` (key: scope) → transitions on `alerts.changes` (key: scope).

State per fingerprint lives in a faust table (a cache; the database holds what people rely on).
A record holds one alert or a batch of alerts of one partition (streams/records.py). Records are
taken up to `DEDUPE_BATCH` at a time: their alerts are folded in order, their changes go out as
one record per partition of `alerts.changes` (in order, so an UNFLAPPED still reaches correlation
before the RESOLVED after it), and the broker's acknowledgement is awaited once for the batch.
Awaited once per record, as before, it was most of the stage's time: in a storm dedupe spent 5 of
its 7 s waiting for 100 acknowledgements, each delayed by the other stages' turns on the event
loop (docs/benchmarks.md §17).

The table is written only after the broker has acknowledged a batch's changes. The other way
round, a worker killed between the two writes left the table saying "already firing" for an
alert whose NEW never went out, and the alert stayed off its incident until its source sent it
again. Now a kill between them leaves the table as it was: the records are read again (their
offsets were not committed), the same changes go out with the same ids, and correlation and the
incident writer drop what they already have. Each state goes to the changelog partition of the
record its alert came in, as faust does for a write inside that record's event, so the table
stays co-partitioned with its input (an alert's scope, a function of its labels as its
fingerprint is, always puts it on the same partition).

A plain repeat (firing again, same severity, no flapping news) changes only the state's count and
last-seen. Those stay in the worker's table but are not written to the changelog: every
Prometheus resend of every firing alert was a changelog message before, 80,000 of them for a
20,000-alert storm resent five times. A worker that takes the partition over recovers the
state as of the fingerprint's last transition, with a lower count, which decides nothing: the
next change's ids do not depend on it (streams/alerts/dedupe.py).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import faust
from aiokafka.errors import KafkaError
from faust.types import TopicT

from streams.agents.safety import call_with_retries, collect_guarded
from streams.alerts.dedupe import DedupeState, dedupe, only_counted
from streams.alerts.flapping import FlapPolicy
from streams.alerts.model import Alert, AlertChange
from streams.app import StreamTopics
from streams.batch_send import send_batched
from streams.changelog_batch import send_changelog_batched
from streams.clock import Clock
from streams.metrics import ALERT_CHANGES, ALERTS_DEDUPED, FLAPPING_HELD_BACK, count_by_label
from streams.records import BATCH_WINDOW_S
from streams.retry import RetryPolicy

#: The stage name: the agent's name, its metric label, and its key in `streams.topics.STAGE_INPUTS`.
STAGE = "dedupe"
#: Records per batch (each holds up to `streams.records.MAX_BATCH_ITEMS` alerts): one acknowledgement to await each.
DEDUPE_BATCH = 8


#: A broker that does not acknowledge a batch's changes is retried (16 s of backoff), holding the partition;
#: a resend after a lost acknowledgement repeats changes, which correlation and the writer drop.
DELIVERY_RETRY = RetryPolicy(transient=(KafkaError,), attempts=8, first_delay_s=0.2, max_delay_s=5.0)
#: Sends a batch's changes and returns once the broker has them.
SendChanges = Callable[[Sequence[AlertChange]], Awaitable[None]]


#: One fingerprint's new state: the partition of `alerts.normalized` its alert came on, the fingerprint, the
#: state, and False for a state that only counted repeats, which need not reach the table's changelog.
RecordedState = tuple[int, str, Mapping[str, Any], bool]
#: Records a batch's new states in the table (and its changelog) and returns once they are recorded.
RecordStates = Callable[[Sequence[RecordedState]], Awaitable[None]]


async def dedupe_records(
    records: Sequence[tuple[int, Mapping[str, Any]]], *, states: Mapping[str, Any], clock: Clock, policy: FlapPolicy,
    send: SendChanges, record: RecordStates, dlq: TopicT,
) -> None:
    """Dedupe the alerts of `records` against `states`, send their changes, then `record` the new states.

    `records` are (partition, value) pairs in the order they were read.
    """
    # fingerprint -> (its record's partition, its state before the batch, its state now)
    folded: dict[str, tuple[int, DedupeState | None, DedupeState]] = {}
    now = clock.now()
    changes: list[AlertChange] = []
    held_back: list[str] = []  # the flapping news each held-back alert would have been
    deduped = 0  # alerts that changed nothing correlation needs to hear

    def folder(partition: int) -> Callable[[Mapping[str, Any]], Awaitable[tuple[AlertChange, ...]]]:
        async def fold(item: Mapping[str, Any]) -> tuple[AlertChange, ...]:
            nonlocal deduped
            alert = Alert.from_dict(item)
            fingerprint = alert.fingerprint
            if fingerprint in folded:
                _, before, prior = folded[fingerprint]
            else:
                before = prior = DedupeState.from_dict(states[fingerprint]) if fingerprint in states else None
            decision = dedupe(prior, alert, now=now, policy=policy)
            folded[fingerprint] = (partition, before, decision.state)
            if decision.held_back:
                held_back.append(str(decision.held_back))
            elif not decision.changes:
                deduped += 1
            return decision.changes
        return fold

    for partition, value in records:
        changes += await collect_guarded(stage=STAGE, records=[value], handler=folder(partition), dlq=dlq)
    count_by_label(FLAPPING_HELD_BACK, held_back)
    ALERTS_DEDUPED.inc(deduped)
    count_by_label(ALERT_CHANGES, (str(change.kind) for change in changes))
    await send(changes)
    await record([(partition, fingerprint, state.to_dict(), not only_counted(before, state))
                  for fingerprint, (partition, before, state) in folded.items()])


def register_dedupe(app: faust.App, topics: StreamTopics, clock: Clock, policy: FlapPolicy) -> None:
    """Add the dedupe agent and its state table to `app`; `policy` says when an alert flaps."""
    states = app.Table("dedupe-state", partitions=topics.normalized.partitions)

    async def send(changes: Sequence[AlertChange]) -> None:
        await call_with_retries(
            lambda: send_batched(topics.changes, changes, key_of=_scope_key, encode=AlertChange.to_dict,
                                 delivered=True),
            stage=STAGE, retry=DELIVERY_RETRY,
        )

    async def record(recorded: Sequence[RecordedState]) -> None:
        # What `states[fingerprint] = state` does inside the event of the record the alert came in, but with
        # the batch's changelog entries sent together, and the table written once the broker has them.
        entries = [(partition, fingerprint, state) for partition, fingerprint, state, logged in recorded if logged]
        await call_with_retries(lambda: send_changelog_batched(app, states, entries), stage=STAGE,
                                retry=DELIVERY_RETRY)
        for _, fingerprint, state, _ in recorded:
            states.data[fingerprint] = state

    @app.agent(topics.normalized, name=STAGE)
    async def dedupe_agent(stream: faust.StreamT) -> None:
        async for events in stream.take_events(DEDUPE_BATCH, within=BATCH_WINDOW_S):
            await dedupe_records([(event.message.partition, event.value) for event in events], states=states,
                                 clock=clock, policy=policy, send=send, record=record, dlq=topics.dlq)


def _scope_key(change: AlertChange) -> bytes:
    return change.scope.encode()
