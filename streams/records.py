"""Pure: a record on an alert-path topic holds one item, or a batch of items that share its partition.

One Kafka record per alert costs a faust send and a consumer hop per alert, and a faust hop
moves only ~2,600 records/s on the machines we run on (../shared/research/perf-anchors.md).
So the stages of the alert path (`alerts.normalized`, `alerts.changes`, `incidents.commands`)
send what one batch of input produced as one record per destination partition:
`{"batch": [item, item, ...]}`, keyed by the first item's key. Every item of a batch has a key
that hashes to that same partition, so each still lands where its own key would put it, and
the consumer's per-key state (dedupe by fingerprint, correlation by scope) stays where it is.
A record without `batch` is a single item, so dead letters (always one item) and anything a
person sends by hand are read the same way.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

BATCH_FIELD = "batch"
#: Items per record at most: keeps a record well under Kafka's default 1 MiB message limit
#: (an alert is ~0.5-1 KiB of JSON).
MAX_BATCH_ITEMS = 400
#: How long a stage that takes its input in batches waits for a batch to fill: the most latency
#: each batched hop adds.
BATCH_WINDOW_S = 0.005

T = TypeVar("T")


class BadBatch(ValueError):
    """A record whose `batch` is not a list of objects."""


def record_items(value: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Return the items a record holds: its batch, or the record itself when it is a single item.

    Raises:
        BadBatch: `batch` is there but is not a list of objects.
    """
    batch = value.get(BATCH_FIELD)
    if batch is None:
        return [value]
    if not isinstance(batch, list) or not all(isinstance(item, Mapping) for item in batch):
        raise BadBatch(f"{BATCH_FIELD!r} must be a list of objects, got {type(batch).__name__}")
    return batch


def batch_record(items: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """Return the record for `items`: the item itself when there is one, else a batch."""
    return items[0] if len(items) == 1 else {BATCH_FIELD: list(items)}


def group_by_partition(
    items: Iterable[T], key_of: Callable[[T], bytes], partition_of: Callable[[bytes], int]
) -> dict[int, list[T]]:
    """Group `items` by the partition of their key, keeping their order within each partition."""
    groups: dict[int, list[T]] = {}
    for item in items:
        groups.setdefault(partition_of(key_of(item)), []).append(item)
    return groups


def chunks(items: Sequence[T], size: int = MAX_BATCH_ITEMS) -> Iterator[Sequence[T]]:
    """Yield `items` in order, `size` at a time."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
