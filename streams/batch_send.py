"""I/O: send what a stage produced as one record per destination partition (the format is streams/records.py).

The partition of an item is the one Kafka's default partitioner gives its key (murmur2, as
faust's aiokafka producer and the CLI's kafka-python producer both compute it), so a batch
keyed by its first item lands exactly where each of its items would have landed alone. This
needs the topic's real partition count to be the `partitions` setting the topics were declared
with, which faust's co-partitioning of tables already requires.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from aiokafka.partitioner import murmur2
from faust.types import TopicT

from streams.records import batch_record, chunks, group_by_partition

T = TypeVar("T")


def kafka_partition(key: bytes, partitions: int) -> int:
    """Return the partition Kafka's default partitioner picks for `key` among `partitions`."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


async def send_batched(
    topic: TopicT, items: Sequence[T], *, key_of: Callable[[T], bytes], encode: Callable[[T], Mapping[str, Any]],
    delivered: bool = False,
) -> int:
    """Send `items` to `topic` in their order, one record per partition (and per `MAX_BATCH_ITEMS`).

    Returns the number of records sent. With `delivered`, it returns only once the broker has
    acknowledged every one of them, for a caller that may record its own progress only after
    its output is safe (dedupe's table, streams/agents/dedupe.py); a failed delivery raises.
    """
    partitions = topic.partitions or 1
    acks = []
    for group in group_by_partition(items, key_of, lambda key: kafka_partition(key, partitions)).values():
        for chunk in chunks(group):
            acks.append(await topic.send(key=key_of(chunk[0]), value=batch_record([encode(item) for item in chunk])))
    if delivered:
        await asyncio.gather(*acks)
    return len(acks)
