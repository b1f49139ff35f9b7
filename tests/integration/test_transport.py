"""The `alertdesk://` transport really sets aiokafka's fetch wait and the producer buffer's bound, and rewinds
never-committed partitions, on a real consumer against tansu."""
from __future__ import annotations

import asyncio
from pathlib import Path

from aiokafka import TopicPartition
from faust.contrib.asgi import faust_app_running

from streams.app import StreamConfig, broker_urls
from streams.transport import (
    PRODUCER_BUFFER_MESSAGES,
    ConsumerThread,
    fetch_max_wait_from_url,
    fetch_wait_applied,
    never_committed,
)
from tests.integration.stream_apps import app_with_sink, stream_config


async def test_a_running_faust_consumer_uses_the_configured_fetch_wait(embedded_broker, tmp_path: Path) -> None:
    app, topics, received = app_with_sink(stream_config(embedded_broker, tmp_path, "transport", fetch_max_wait_ms=37))

    async with faust_app_running(app, stop_timeout=30):
        thread = app.consumer._thread
        assert isinstance(thread, ConsumerThread)
        await topics.raw.send(key=b"probe", value={"hello": "tansu"})
        assert await asyncio.wait_for(received.get(), timeout=60) == {"hello": "tansu"}
        assert fetch_wait_applied(thread._consumer) == 37
        assert app.producer.buffer.max_messages == PRODUCER_BUFFER_MESSAGES, "table writes do not stall the consumer"


def test_fetch_wait_comes_from_the_first_broker_url() -> None:
    from yarl import URL

    config = StreamConfig(bootstrap_servers=("a:1", "b:2"), topic_prefix="", partitions=1, data_dir=Path("."), fetch_max_wait_ms=25)
    urls = [URL(u) for u in broker_urls(config)]
    assert [u.scheme for u in urls] == ["alertdesk", "alertdesk"]
    assert fetch_max_wait_from_url(urls) == 25
    assert fetch_max_wait_from_url([URL("alertdesk://a:1")]) == 10


async def test_a_rebalance_rewinds_a_partition_nothing_was_committed_for(embedded_broker, tmp_path: Path) -> None:
    """The consumer sits past a record of a partition no one ever committed (as when faust's fetch loop dropped
    it while its flow was suspended during a rebalance); the seek faust makes when the rebalance completes must
    bring it back, not leave it skipped for good."""
    app, topics, received = app_with_sink(stream_config(embedded_broker, tmp_path, "rewind"))
    app.conf.consumer_auto_offset_reset = "latest"  # start past what is already there, with nothing committed
    app.conf.broker_commit_interval = 3600.0  # and nothing committed while the test runs

    async with faust_app_running(app, stop_timeout=30):
        await topics.raw.send(key=b"probe", value={"n": 0})
        assert await asyncio.wait_for(received.get(), timeout=60) == {"n": 0}  # assigned and consuming
        await app.consumer.perform_seek()  # as at the end of a rebalance; nothing committed yet
        assert await asyncio.wait_for(received.get(), timeout=60) == {"n": 0}, "the never-committed record again"


def test_only_never_committed_stream_partitions_are_rewound() -> None:
    committed = {
        TopicPartition("alerts.raw", 0): None,
        TopicPartition("alerts.raw", 1): 0,
        TopicPartition("alerts.raw", 2): 18,
        TopicPartition("app-dedupe-state-changelog", 0): None,
    }
    assert never_committed(committed, {"app-dedupe-state-changelog"}) == [
        TopicPartition("alerts.raw", 0), TopicPartition("alerts.raw", 1)
    ]
