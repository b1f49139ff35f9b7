"""The correlate agent on the real broker works in event time: a backlog on `alerts.changes` is
correlated at its alerts' receive times, and the timer moves scopes to wall-clock time once the
backlog is handled.

The backlog is there before the worker starts, as it is for a worker that takes over a dead
one's partition: an alert received a minute ago, held for its group's 2-s wait, resolved 14 s
after it fired. Read all at once in processing time the resolve would find the alert still
held ("resolved while held", no incident); at the receive times the alert was released into an
incident first, which the resolve then resolves.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from aiokafka import AIOKafkaProducer
from faust.contrib.asgi import faust_app_running

from streams.agents.correlate import CorrelationInputs, register_correlate
from streams.app import create_app
from streams.clock import SystemClock, parse_instant
from streams.correlation.commands import CommandKind
from streams.correlation.engine import EngineConfig
from streams.kafka_admin import TopicSpec, ensure_topics
from streams.records import record_items
from tests.correlation.engine_fixtures import alert, change
from tests.integration.stream_apps import stream_config


async def test_a_backlog_is_correlated_at_receive_times_then_the_timer_takes_over(embedded_broker, tmp_path: Path):
    app, topics = create_app(stream_config(embedded_broker, tmp_path, "evtime"))
    ensure_topics(embedded_broker.bootstrap_servers,
                  [TopicSpec(topics.names.changes, partitions=1), TopicSpec(topics.names.commands, partitions=1)])
    clock = SystemClock()
    started = clock.now() - timedelta(seconds=60)
    fired = alert("DiskFull", "h1", at=started)
    resolved = replace(alert("DiskFull", "h1", at=started, status="resolved"),
                       ends_at=started + timedelta(seconds=14), received_at=started + timedelta(seconds=14))
    await _produce(embedded_broker.bootstrap_servers, topics.names.changes, [change(fired), change(resolved)])

    commands: asyncio.Queue = asyncio.Queue(maxsize=100)

    @app.agent(topics.commands)
    async def sink(stream) -> None:
        async for value in stream:
            for item in record_items(value):
                await commands.put(item)

    register_correlate(app, topics, clock, EngineConfig(group_wait=timedelta(seconds=2)),
                       CorrelationInputs(tick_interval_s=0.2))
    async with faust_app_running(app, stop_timeout=30):
        backlog = [await asyncio.wait_for(commands.get(), 60) for _ in range(4)]
        assert [item["kind"] for item in backlog] == [
            str(CommandKind.HOLD), str(CommandKind.OPEN), str(CommandKind.RESOLVE_ALERT), str(CommandKind.RESOLVE)
        ]
        opened = next(item for item in backlog if item["kind"] == str(CommandKind.OPEN))
        assert abs(parse_instant(opened["issued_at"]) - (started + timedelta(seconds=2))) < timedelta(milliseconds=1)

        live = alert("MemoryHigh", "h2", at=clock.now())
        await _produce(embedded_broker.bootstrap_servers, topics.names.changes, [change(live)])
        held = await asyncio.wait_for(commands.get(), 60)
        assert held["kind"] == str(CommandKind.HOLD)
        released = await asyncio.wait_for(commands.get(), 60)  # by the timer: nothing else comes for this scope
        assert released["kind"] == str(CommandKind.OPEN) and released["alert"]["fingerprint"] == live.fingerprint


async def _produce(bootstrap_servers: str, topic: str, changes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all", request_timeout_ms=10_000)
    await producer.start()
    try:
        for each in changes:
            await producer.send_and_wait(topic, json.dumps(each.to_dict()).encode(), key=each.scope.encode())
    finally:
        await producer.stop()
