"""I/O: the faust app factory and the pipeline's topic objects. Settings are passed in, never imported.

Two faust defaults are changed on purpose (costs measured in ../shared/research/perf-anchors.md):
`broker_session_timeout` 60 s → 10 s, because on tansu a worker with the default needs ~27 s
before it processes its first event; `broker_rebalance_timeout` 60 s → three session timeouts,
because when a worker dies the survivors' rebalance could wait the whole default (a storm stood
still ~100 s after a SIGKILL in tests/e2e/test_workers.py); and the consumer fetch wait 1.5 s →
`fetch_max_wait_ms` through our transport (`streams.transport`), because it is paid on every hop.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import faust
from faust.types import TopicT

from streams.topics import TopicNames, topic_names


@dataclass(frozen=True)
class StreamConfig:
    """What the stream layer needs to know, decided by the composition root."""

    bootstrap_servers: tuple[str, ...]
    topic_prefix: str
    partitions: int
    data_dir: Path
    app_id: str = "alertdesk"
    replication_factor: int = 1
    fetch_max_wait_ms: int = 10
    session_timeout_s: float = 10.0
    web_host: str = "127.0.0.1"
    web_port: int = 8080


@dataclass(frozen=True)
class StreamTopics:
    """The faust topic objects agents consume from and send to."""

    names: TopicNames
    raw: TopicT
    dlq: TopicT
    normalized: TopicT
    changes: TopicT
    commands: TopicT
    events: TopicT


def broker_urls(config: StreamConfig) -> list[str]:
    """Return faust broker URLs using the `alertdesk://` transport, with the fetch wait on the first."""
    if not config.bootstrap_servers:
        raise ValueError("no Kafka bootstrap servers given")
    first, *rest = config.bootstrap_servers
    return [f"alertdesk://{first}?fetch_max_wait_ms={config.fetch_max_wait_ms}"] + [
        f"alertdesk://{server}" for server in rest
    ]


def create_app(config: StreamConfig) -> tuple[faust.App, StreamTopics]:
    """Build the faust app and declare every pipeline topic on it (agents are added by their owners)."""
    app = faust.App(
        f"{config.topic_prefix}{config.app_id}",
        broker=broker_urls(config),
        store="memory://",
        datadir=str(config.data_dir / "faust"),
        autodiscover=False,
        topic_partitions=config.partitions,
        topic_replication_factor=config.replication_factor,
        broker_session_timeout=config.session_timeout_s,
        broker_heartbeat_interval=min(3.0, config.session_timeout_s / 3),
        broker_rebalance_timeout=config.session_timeout_s * 3,
        consumer_auto_offset_reset="earliest",
        # The check guards a RocksDB store against files older than its changelog. Tables here are in
        # memory (no such files), and on tansu the end offset the check reads can trail a record a
        # standby already read: a worker crashed on "persisted offset 5 > highwater 4" taking over.
        recovery_consistency_check=False,
        producer_acks=-1,
        web_bind=config.web_host,
        web_port=config.web_port,
        web_in_thread=False,
    )
    names = topic_names(config.topic_prefix)

    def declare(name: str) -> TopicT:
        return app.topic(name, key_serializer="raw", value_serializer="json", partitions=config.partitions)

    topics = StreamTopics(
        names=names,
        raw=declare(names.raw),
        dlq=declare(names.dlq),
        normalized=declare(names.normalized),
        changes=declare(names.changes),
        commands=declare(names.commands),
        events=declare(names.events),
    )
    return app, topics
