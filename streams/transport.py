"""I/O: faust's aiokafka transport with the consumer's `fetch_max_wait_ms` as a setting, and a
rebalance that cannot skip the records of a partition nothing was ever committed for.

faust-streaming 0.15 hard-codes `fetch_max_wait_ms=1500` for its worker consumer. On tansu
a Fetch is answered only when that wait expires, not when data arrives, so every hop costs
up to 0.75 s on average (measured in ../shared/research/perf-anchors.md). This driver is
registered under the URL scheme `alertdesk://` (entry point `faust.transports`) and reads the
wait from the broker URL's query, e.g. `alertdesk://127.0.0.1:9092?fetch_max_wait_ms=10`.

faust builds the aiokafka consumer in one long method with no hook for this value, so the
subclass lets faust build it and then sets the consumer's stored setting before `start()`
creates the fetcher from it. `fetch_wait_applied` is checked by a test against a running
consumer, so an aiokafka release that renames the attribute fails CI instead of silently
bringing the 1.5 s back.

**Never-committed partitions.** After a rebalance faust resumes the assigned partitions,
then seeks them to their committed offsets (`perform_seek`), then resumes its flow. Records
fetched in between are dropped by faust's fetch loop (the flow is still suspended), which is
harmless where the seek rewinds them. aiokafka's `seek_to_committed` does not seek a partition
without a committed offset, so such a partition keeps the advanced position: its first records
are gone for good. That was how a worker that took over a dead worker's `alerts.raw` partition
lost nine of eighteen envelopes (the dead worker died before its first commit), and how an
`incidents.events` record stayed unconsumed (docs/workers.md). `ConsumerThread.seek_to_committed`
therefore rewinds every never-committed stream partition to its beginning, as the group's
`auto_offset_reset="earliest"` means; each stage is idempotent on what it sees twice. Table
changelogs are left alone: their recovery seeks them itself.

**Producer buffer.** Table writes are queued in faust's producer buffer, and the consumer waits
for the buffer to shrink below its bound before it hands out the next record; the bound is
raised from 100 to `PRODUCER_BUFFER_MESSAGES`.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import aiokafka
from aiokafka import TopicPartition
from faust.transport.drivers import aiokafka as faust_aiokafka

DEFAULT_FETCH_MAX_WAIT_MS = 10
#: Table changelog messages that may wait unsent before the consumer stops handing out records (a 20,000-alert
#: storm at most; each is ~1-2 KiB in memory until sent).
#: faust's 100 made dedupe, which writes a changelog message per fingerprint (400 per record),
#: wait ~85 ms after each record while the buffer drained one message per loop turn: the storm's
#: stages ran at ~2,000 alerts/s with dedupe idle most of the time (docs/benchmarks.md §15).
#: A commit still sends every buffered message before it commits the offsets they follow from.
PRODUCER_BUFFER_MESSAGES = 20_000


def fetch_max_wait_from_url(urls: list[Any]) -> int:
    """Read `fetch_max_wait_ms` from the first broker URL's query, or the default.

    Raises:
        ValueError: if the value is not a positive integer.
    """
    raw = urls[0].query.get("fetch_max_wait_ms") if urls else None
    if raw is None:
        return DEFAULT_FETCH_MAX_WAIT_MS
    value = int(raw)
    if value <= 0:
        raise ValueError(f"fetch_max_wait_ms must be a positive integer, got {raw!r}")
    return value


def fetch_wait_applied(consumer: aiokafka.AIOKafkaConsumer) -> int:
    """Return the fetch wait a started aiokafka consumer's fetcher really uses."""
    return consumer._fetcher._fetch_max_wait_ms


def never_committed(
    committed: Mapping[TopicPartition, int | None], changelogs: Collection[str]
) -> list[TopicPartition]:
    """The stream partitions among `committed` with nothing committed yet (no offset, or 0), changelogs left out."""
    return sorted(tp for tp, offset in committed.items() if not offset and tp.topic not in changelogs)


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """The faust consumer thread: the fetch wait from the transport URL; never-committed partitions rewound."""

    def _create_worker_consumer(self, transport: "Transport") -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = fetch_max_wait_from_url(transport.url)
        return consumer

    async def seek_to_committed(self) -> Mapping[TopicPartition, int | None]:
        """Seek to the committed offsets, and every never-committed stream partition to its beginning."""
        committed = await super().seek_to_committed()
        rewind = never_committed(committed, self.app.tables.changelog_topics)
        if rewind:
            await self.call_thread(self._rewind, rewind)
        return committed

    async def _rewind(self, partitions: list[TopicPartition]) -> None:
        """Seek those of `partitions` still assigned to their beginning (a new rebalance may have moved some)."""
        consumer = self._ensure_consumer()
        assigned = consumer.assignment()
        still = [tp for tp in partitions if tp in assigned]
        if still:
            await consumer.seek_to_beginning(*still)


class Consumer(faust_aiokafka.Consumer):
    """The faust aiokafka consumer, using `ConsumerThread`."""

    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Producer(faust_aiokafka.Producer):
    """faust's aiokafka producer with room for `PRODUCER_BUFFER_MESSAGES` unsent messages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.buffer.max_messages = PRODUCER_BUFFER_MESSAGES


class Transport(faust_aiokafka.Transport):
    """faust's aiokafka transport with a configurable consumer fetch wait."""

    Consumer = Consumer
    Producer = Producer
