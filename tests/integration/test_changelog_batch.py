"""`send_changelog_batched` on the real broker: what it writes is what a worker taking the table over recovers.

The entries of two partitions, more than one producer batch holds, and a key written twice: a
second app with the same table, started after the first stopped, must read back every key with
its last value, as it does from faust's own changelog.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

from faust.contrib.asgi import faust_app_running

from streams.app import create_app
from streams.changelog_batch import send_changelog_batched
from streams.kafka_admin import TopicSpec, ensure_topics
from tests.integration.stream_apps import stream_config

PARTITIONS = 2


def app_with_table(config):
    """An app with a table co-partitioned with `alerts.raw`, and an agent that reports the table when asked."""
    app, topics = create_app(config)
    table = app.Table("batched-state", partitions=PARTITIONS)
    snapshots: asyncio.Queue = asyncio.Queue(maxsize=4)

    @app.agent(topics.raw)
    async def report(stream) -> None:
        async for _ in stream:
            await snapshots.put(dict(table.data))

    return app, topics, table, snapshots


async def test_a_worker_taking_the_table_over_recovers_every_batched_entry_with_its_last_value(
    embedded_broker, tmp_path: Path
) -> None:
    config = stream_config(embedded_broker, tmp_path, "changelog", partitions=PARTITIONS)
    first, topics, table, _ = app_with_table(config)
    ensure_topics(embedded_broker.bootstrap_servers, [TopicSpec(topics.names.raw, partitions=PARTITIONS)])
    entries = [(n % PARTITIONS, f"fp-{n:04d}", {"n": n, "pad": "x" * 300}) for n in range(200)]
    entries.append((0, "fp-0000", {"n": "last", "pad": ""}))
    async with faust_app_running(first, stop_timeout=30):
        batches = await send_changelog_batched(first, table, entries)
    assert batches > PARTITIONS, "200 entries of ~330 bytes fill more than one 16 KiB producer batch per partition"

    second, topics, _, snapshots = app_with_table(config)
    async with faust_app_running(second, stop_timeout=30):
        await topics.raw.send(key=b"ask", value={"ask": True})
        recovered = await asyncio.wait_for(snapshots.get(), 90)
    assert len(recovered) == 200
    assert recovered["fp-0000"] == {"n": "last", "pad": ""}
    assert recovered["fp-0199"] == {"n": 199, "pad": "x" * 300}


async def test_no_entries_send_nothing(embedded_broker, tmp_path: Path) -> None:
    app, _, table, _ = app_with_table(stream_config(embedded_broker, tmp_path, "changelog-empty"))
    assert await send_changelog_batched(app, table, []) == 0
