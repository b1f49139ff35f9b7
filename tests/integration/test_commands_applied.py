"""`CommandsApplied` on the real broker: it waits while the group's writer is behind on `incidents.commands`,
returns once the writer committed what was there, and gives up (False) after its timeout."""
from __future__ import annotations

import asyncio
from pathlib import Path

from faust.contrib.asgi import faust_app_running

from streams.app import create_app
from streams.commands_applied import CommandsApplied
from streams.kafka_admin import TopicSpec, ensure_topics
from tests.integration.stream_apps import stream_config


def app_with_a_gated_writer(embedded_broker, tmp_path: Path):
    app, topics = create_app(stream_config(embedded_broker, tmp_path, "applied", partitions=2))
    ensure_topics(embedded_broker.bootstrap_servers, [TopicSpec(topics.names.commands, partitions=2)])
    app.conf.broker_commit_interval = 0.2
    holding, gate = asyncio.Event(), asyncio.Event()
    applied: list[dict] = []

    @app.agent(topics.commands)
    async def writer(stream) -> None:
        async for value in stream:
            holding.set()  # the writer has a command and applies nothing until the gate opens
            await gate.wait()
            applied.append(value)

    return app, topics, holding, gate, applied


async def test_the_wait_ends_when_the_writer_has_committed_what_was_on_the_partition(embedded_broker, tmp_path):
    app, topics, holding, gate, applied = app_with_a_gated_writer(embedded_broker, tmp_path)
    async with faust_app_running(app, stop_timeout=30):
        barrier = CommandsApplied(app, bootstrap_servers=[embedded_broker.bootstrap_servers],
                                  topic=topics.names.commands, timeout_s=60, poll_interval_s=0.1)
        assert await barrier.wait({0, 1}), "nothing sent yet: applied at once"
        for n in range(3):
            await topics.commands.send(key=b"sc-ac", value={"n": n})
        await app.producer.flush()
        waiting = asyncio.ensure_future(barrier.wait({0, 1}))
        await asyncio.wait_for(holding.wait(), 60)
        await asyncio.sleep(3 * app.conf.broker_commit_interval)  # commits that could wrongly end the wait
        assert not waiting.done(), "the writer has not applied them"
        gate.set()
        assert await asyncio.wait_for(waiting, 60) is True
        assert [value["n"] for value in applied] == [0, 1, 2]


async def test_the_wait_gives_up_after_its_timeout(embedded_broker, tmp_path):
    app, topics, _, gate, applied = app_with_a_gated_writer(embedded_broker, tmp_path)
    async with faust_app_running(app, stop_timeout=30):
        await topics.commands.send(key=b"sc-ups", value={"n": 0})
        await app.producer.flush()
        barrier = CommandsApplied(app, bootstrap_servers=[embedded_broker.bootstrap_servers],
                                  topic=topics.names.commands, timeout_s=0.5, poll_interval_s=0.1)
        assert await barrier.wait({0, 1}) is False
        gate.set()


def test_a_broker_that_cannot_answer_makes_the_wait_give_up_at_once():
    barrier = CommandsApplied(None, bootstrap_servers=["127.0.0.1:9"], topic="x.incidents.commands", timeout_s=60)
    assert asyncio.run(barrier.wait({0})) is False
