"""Heartbeat reports through the real `RawSink` onto `alerts.raw` of the embedded broker, read back from the topic."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from faust.contrib.asgi import faust_app_running

from incidents.heartbeats.monitor import HeartbeatMonitor
from incidents.heartbeats.schedule import HeartbeatSpec
from streams.alerts.model import AlertStatus, Envelope
from streams.alerts.normalize import normalize
from streams.alerts.receivers.sink import RawSink
from streams.app import StreamConfig, create_app
from streams.clock import FakeClock
from streams.kafka_admin import TopicSpec, ensure_topics, read_topic
from tests.incidents.builders import NOW

pytestmark = pytest.mark.broker


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_miss_and_a_ping_put_one_firing_and_one_resolved_report_on_the_raw_topic(
    embedded_broker, migrated_db, tmp_path: Path
) -> None:
    bootstrap = embedded_broker.bootstrap_servers
    config = StreamConfig(
        bootstrap_servers=(bootstrap,), topic_prefix=f"hb{uuid.uuid4().hex[:6]}.", partitions=1, data_dir=tmp_path
    )
    app, topics = create_app(config)
    ensure_topics(bootstrap, [TopicSpec(name, 1) for name in topics.names.all()], timeout=30)
    clock = FakeClock(NOW)
    specs = (HeartbeatSpec("prom-dc1", 120, {"site": "dc1"}),)

    async with faust_app_running(app, stop_timeout=30):
        sink = RawSink(topics.raw, ack_timeout_s=10)
        heartbeats = HeartbeatMonitor(migrated_db[1], sink, clock, specs)
        await heartbeats.ping("prom-dc1")
        clock.advance(seconds=121)
        assert await heartbeats.check() == ["prom-dc1"]
        clock.advance(seconds=5)
        assert await heartbeats.check() == []
        await heartbeats.ping("prom-dc1")

        clock.advance(hours=1)  # quiet for an hour, and the worker restarts
        assert await HeartbeatMonitor(migrated_db[1], sink, clock, specs).check() == []

    records = read_topic(bootstrap, topics.names.raw, timeout=15)
    assert [record["key"] for record in records] == ["heartbeat", "heartbeat"]
    alerts = [normalize(Envelope.from_dict(record["value"])).alerts[0] for record in records]
    assert [(alert.name, alert.status) for alert in alerts] == [
        ("HeartbeatMissed", AlertStatus.FIRING), ("HeartbeatMissed", AlertStatus.RESOLVED)
    ]
    assert alerts[0].fingerprint == alerts[1].fingerprint and alerts[0].site == "dc1"
