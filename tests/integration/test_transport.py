"""The `alertdesk://` transport really sets aiokafka's fetch wait, on a real consumer against tansu."""
from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from faust.contrib.asgi import faust_app_running

from streams.app import StreamConfig, broker_urls, create_app
from streams.transport import ConsumerThread, fetch_max_wait_from_url, fetch_wait_applied


async def test_a_running_faust_consumer_uses_the_configured_fetch_wait(embedded_broker, tmp_path: Path) -> None:
    config = StreamConfig(
        bootstrap_servers=(embedded_broker.bootstrap_servers,),
        topic_prefix=f"transport{uuid.uuid4().hex[:6]}.",
        partitions=1,
        data_dir=tmp_path,
        fetch_max_wait_ms=37,
    )
    app, topics = create_app(config)
    received: asyncio.Queue = asyncio.Queue(maxsize=1)

    @app.agent(topics.raw)
    async def sink(stream) -> None:
        async for value in stream:
            await received.put(value)

    async with faust_app_running(app, stop_timeout=30):
        thread = app.consumer._thread
        assert isinstance(thread, ConsumerThread)
        await topics.raw.send(key=b"probe", value={"hello": "tansu"})
        assert await asyncio.wait_for(received.get(), timeout=60) == {"hello": "tansu"}
        assert fetch_wait_applied(thread._consumer) == 37


def test_fetch_wait_comes_from_the_first_broker_url() -> None:
    from yarl import URL

    config = StreamConfig(bootstrap_servers=("a:1", "b:2"), topic_prefix="", partitions=1, data_dir=Path("."), fetch_max_wait_ms=25)
    urls = [URL(u) for u in broker_urls(config)]
    assert [u.scheme for u in urls] == ["alertdesk", "alertdesk"]
    assert fetch_max_wait_from_url(urls) == 25
    assert fetch_max_wait_from_url([URL("alertdesk://a:1")]) == 10
