"""Batched records: one item or a batch of items that share a partition, each landing where its own key would."""
from __future__ import annotations

from typing import Any

import pytest
from aiokafka.partitioner import DefaultPartitioner
from hypothesis import given
from hypothesis import strategies as st

from streams.batch_send import kafka_partition, send_batched
from streams.records import BadBatch, batch_record, chunks, group_by_partition, record_items


@pytest.mark.parametrize(
    ("record", "items"),
    [
        ({"fingerprint": "a"}, [{"fingerprint": "a"}]),
        ({"batch": [{"fingerprint": "a"}, {"fingerprint": "b"}]}, [{"fingerprint": "a"}, {"fingerprint": "b"}]),
        ({"batch": []}, []),
    ],
)
def test_record_items(record: dict, items: list) -> None:
    assert record_items(record) == items


@pytest.mark.parametrize("batch", ["x", [1, 2], {"fingerprint": "a"}, [{"a": 1}, "b"]])
def test_a_malformed_batch_is_refused_with_its_reason(batch: Any) -> None:
    with pytest.raises(BadBatch, match="'batch' must be a list of objects"):
        record_items({"batch": batch})


def test_one_item_is_sent_as_itself_and_several_as_a_batch() -> None:
    assert batch_record([{"n": 1}]) == {"n": 1}
    assert batch_record([{"n": 1}, {"n": 2}]) == {"batch": [{"n": 1}, {"n": 2}]}


def test_groups_keep_the_order_of_their_items_and_chunks_cover_everything() -> None:
    groups = group_by_partition(["a1", "b1", "a2", "c1", "b2"], key_of=lambda s: s[0].encode(), partition_of=ord)
    assert groups == {ord("a"): ["a1", "a2"], ord("b"): ["b1", "b2"], ord("c"): ["c1"]}
    assert [list(c) for c in chunks(list(range(7)), 3)] == [[0, 1, 2], [3, 4, 5], [6]]


@given(st.binary(min_size=1, max_size=64), st.integers(min_value=1, max_value=64))
def test_the_partition_is_the_one_the_producers_default_partitioner_picks(key: bytes, partitions: int) -> None:
    assert kafka_partition(key, partitions) == DefaultPartitioner()(key, list(range(partitions)), [])


class RecordingTopic:
    """Stands in for a faust topic inside this unit test: its partition count and what was sent."""

    partitions = 4

    def __init__(self) -> None:
        self.sent: list[tuple[bytes, Any]] = []

    async def send(self, *, key: bytes, value: Any) -> None:
        self.sent.append((key, value))


async def test_send_batched_sends_one_record_per_partition_keyed_into_that_partition() -> None:
    topic = RecordingTopic()
    items = [f"fp-{n}" for n in range(50)]
    sent = await send_batched(topic, items, key_of=str.encode, encode=lambda fp: {"fingerprint": fp})
    assert sent == len(topic.sent) <= topic.partitions
    seen = []
    for key, record in topic.sent:
        partition = kafka_partition(key, topic.partitions)
        for item in record_items(record):
            assert kafka_partition(item["fingerprint"].encode(), topic.partitions) == partition
            seen.append(item["fingerprint"])
    assert sorted(seen) == sorted(items)
    assert [fp for fp in seen if kafka_partition(fp.encode(), 4) == 0] == [
        fp for fp in items if kafka_partition(fp.encode(), 4) == 0
    ]
