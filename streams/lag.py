"""Pure: consumer lag and record counts from Kafka offsets, the arithmetic behind the lag and DLQ gauges.

Offsets follow Kafka's convention: a committed offset and an end offset are both "the next offset
to read", so lag is their difference. A partition this group never committed on is read from its
earliest offset (`consumer_auto_offset_reset="earliest"`), so everything still held there is lag.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Partition:
    """One topic partition, as the metrics label it."""

    topic: str
    partition: int


@dataclass(frozen=True)
class PartitionLag:
    """How many records of one partition the consumer group has not committed yet."""

    partition: Partition
    lag: int


def consumer_lags(
    committed: Mapping[Partition, int | None],
    ends: Mapping[Partition, int],
    earliest: Mapping[Partition, int],
) -> list[PartitionLag]:
    """The lag of every partition in `committed` (the assignment), ordered by topic and partition.

    A partition with no committed offset counts from `earliest`; an end offset below the committed
    one (the topic was recreated, or a stale end offset) is lag 0, never negative.

    Raises:
        KeyError: an assigned partition has no end offset, or no earliest offset where one is needed.
    """
    lags = []
    for partition in sorted(committed):
        start = committed[partition]
        if start is None:
            start = earliest[partition]
        lags.append(PartitionLag(partition, max(ends[partition] - start, 0)))
    return lags


def records_held(earliest: Mapping[Partition, int], ends: Mapping[Partition, int]) -> int:
    """Records a topic holds now (what retention has not deleted), summed over the partitions in `ends`.

    Raises:
        KeyError: a partition in `ends` has no earliest offset.
    """
    return sum(max(end - earliest[partition], 0) for partition, end in ends.items())
