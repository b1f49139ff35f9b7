"""Builders of faust apps on the test broker, shared by the integration tests of the stream plumbing."""
from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import faust

from streams.app import StreamConfig, StreamTopics, create_app


def stream_config(broker, tmp_path: Path, prefix: str, *, partitions: int = 1, **settings: Any) -> StreamConfig:
    """A config on `broker` whose topics carry a prefix of their own, so tests never share a topic."""
    return StreamConfig(
        bootstrap_servers=(broker.bootstrap_servers,),
        topic_prefix=f"{prefix}{uuid.uuid4().hex[:6]}.",
        partitions=partitions,
        data_dir=tmp_path,
        **settings,
    )


def app_with_sink(config: StreamConfig) -> tuple[faust.App, StreamTopics, asyncio.Queue]:
    """An app with one agent that puts every `alerts.raw` value into the returned queue."""
    app, topics = create_app(config)
    received: asyncio.Queue = asyncio.Queue(maxsize=10)

    @app.agent(topics.raw)
    async def sink(stream) -> None:
        async for value in stream:
            await received.put(value)

    return app, topics, received
