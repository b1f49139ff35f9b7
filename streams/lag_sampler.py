"""I/O: samples consumer lag and the dead-letter topic's size from the worker's own faust consumer into gauges.

No Kafka client of its own and no broker request per scrape: a timer calls `sample()`, which
asks the consumer faust already runs for end offsets (one ListOffsets request per broker), and
/metrics serves the last values. Each worker reports the partitions assigned to it, so summing
`alertdesk_consumer_lag` over workers gives the group's lag without double counting; the
DLQ size is the same on every worker (take the max).
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping

import faust
from faust.exceptions import ConsumerNotStarted
from faust.types import TP

from streams.lag import Partition, consumer_lags, records_held
from streams.metrics import CONSUMER_LAG, DLQ_RECORDS

#: How long one sample waits for the broker's offsets; the next tick tries again.
OFFSETS_TIMEOUT_S = 10.0


class LagSampler:
    """Sets `alertdesk_consumer_lag` for this worker's assigned partitions and `alertdesk_dlq_records`."""

    def __init__(
        self,
        app: faust.App,
        *,
        pipeline_topics: Iterable[str],
        dlq_topic: str,
        dlq_partitions: int,
        timeout_s: float = OFFSETS_TIMEOUT_S,
    ) -> None:
        """Sample the lag of `pipeline_topics` only: faust never commits on its table changelogs (it reads them
        to recover tables), so their "lag" would be the whole changelog, forever."""
        if dlq_partitions < 1:
            raise ValueError(f"dlq_partitions = {dlq_partitions} must be at least 1")
        self._app = app
        self._pipeline_topics = frozenset(pipeline_topics)
        self._dlq = [TP(dlq_topic, number) for number in range(dlq_partitions)]
        self._timeout_s = timeout_s
        self._labelled: set[Partition] = set()

    async def sample(self) -> None:
        """Read the offsets once and set the gauges; does nothing while the worker's consumer is still starting.

        Raises:
            TimeoutError: the broker did not answer within the timeout; the gauges keep their last values.
        """
        consumer = self._app.consumer
        try:
            assigned = {tp for tp in consumer.assignment() if tp.topic in self._pipeline_topics}
        except ConsumerNotStarted:  # the first ticks of a starting worker: nothing assigned, nothing to say
            return
        committed = _committed_offsets(consumer, assigned)
        unread = [tp for tp in assigned if committed[_partition(tp)] is None]
        ends = await self._offsets(consumer.highwaters, [*assigned, *self._dlq])
        earliest = await self._offsets(consumer.earliest_offsets, [*unread, *self._dlq])
        dlq = {_partition(tp) for tp in self._dlq}
        DLQ_RECORDS.set(records_held(earliest, {p: end for p, end in ends.items() if p in dlq}))
        lags = consumer_lags(committed, ends, earliest)
        for lag in lags:
            CONSUMER_LAG.labels(lag.partition.topic, str(lag.partition.partition)).set(lag.lag)
        self._forget(self._labelled - {lag.partition for lag in lags})
        self._labelled = {lag.partition for lag in lags}

    async def _offsets(self, read: Callable[..., Awaitable[Mapping]], tps: list[TP]) -> dict[Partition, int]:
        """One offsets request through the consumer (`highwaters` or `earliest_offsets`), bounded by the timeout."""
        if not tps:
            return {}
        found = await asyncio.wait_for(read(*tps), self._timeout_s)
        return {_partition(tp): offset for tp, offset in found.items()}

    @staticmethod
    def _forget(revoked: Iterable[Partition]) -> None:
        """Drop the series of partitions another worker owns now, so the group's sum stays right."""
        for partition in revoked:
            CONSUMER_LAG.remove(partition.topic, str(partition.partition))


def _partition(tp) -> Partition:
    return Partition(tp.topic, tp.partition)


def _committed_offsets(consumer, assigned: set[TP]) -> dict[Partition, int | None]:
    """The group's committed offsets of `assigned`, as this consumer knows them (None: never committed).

    faust keeps them in `Consumer._committed_offset`: read back from the broker when a partition is
    assigned and updated on every commit, so no request is needed. It is not public API; the
    end-to-end metrics test (tests/deploy/test_metrics_e2e.py) fails if a faust upgrade moves it.
    """
    known = consumer._committed_offset
    return {_partition(tp): known.get(tp) for tp in assigned}
