"""I/O: write a faust table's changelog entries as producer batches, one acknowledgement awaited for them all.

faust's `Table.send_changelog` costs ~50 µs of the worker's one interpreter per entry (a
`FutureMessage`, an asyncio future and a buffer slot each), a second for a storm of 20,000 new
alerts in dedupe's table (docs/benchmarks.md §18). Here each partition's entries go into aiokafka
batches (`AIOKafkaProducer.create_batch`/`send_batch`), and only each batch has a future.

The records are the ones faust writes itself: the table's changelog topic, the partition given
(the one of the input record the entry belongs to, as faust picks inside that record's event), and
the key and value serialized by the changelog topic with the table's serializers. Recovery,
standbys and a worker taking a partition over read them as faust's own.

Each partition's last entry goes in a batch of its own. tansu, the embedded broker, reports a
partition's end offset as one past the *first* record of its last batch, and faust recovers a
table only up to that end offset: ending on a batch of 48 entries, a worker taking the table
over lost 47 of them (tests/integration/test_changelog_batch.py). Ending on a batch of one, the
end offset is the true one.
"""
from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import faust

#: (changelog partition, key, value) of one entry.
ChangelogEntry = tuple[int, Any, Any]


async def send_changelog_batched(app: faust.App, table: faust.Table, entries: Sequence[ChangelogEntry]) -> int:
    """Write `entries` to `table`'s changelog in their order per partition; return once the broker has them all.

    Returns the number of producer batches sent. A failed delivery raises (the caller retries:
    writing an entry again is harmless, the last value of a key is what recovery keeps).
    """
    if not entries:
        return 0
    # faust has no batch API of its own; its aiokafka producer does (the same client, the same connection).
    producer = app.producer._ensure_producer()
    topic = table.changelog_topic
    name = topic.get_topic_name()
    by_partition: dict[int, list[tuple[bytes, bytes]]] = {}
    for partition, key, value in entries:
        raw_key, _ = topic.prepare_key(key, table.key_serializer)
        raw_value, _ = topic.prepare_value(value, table.value_serializer)
        by_partition.setdefault(partition, []).append((raw_key, raw_value))
    acks = []
    for partition, records in by_partition.items():
        *body, last = records
        batches = _batches(producer, body) + _batches(producer, [last])
        acks += [await producer.send_batch(batch, name, partition=partition) for batch in batches]
    await asyncio.gather(*acks)
    return len(acks)


def _batches(producer: Any, records: Sequence[tuple[bytes, bytes]]) -> list[Any]:
    """`records` in order, in as few producer batches as their size allows."""
    batches: list[Any] = []
    for raw_key, raw_value in records:
        if not batches or batches[-1].append(key=raw_key, value=raw_value, timestamp=None) is None:
            batches.append(producer.create_batch())
            batches[-1].append(key=raw_key, value=raw_value, timestamp=None)
    return batches
