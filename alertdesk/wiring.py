"""I/O: puts the packages together on one faust app — the only place that knows all of them."""
from __future__ import annotations

import sys
from dataclasses import dataclass

import faust
from faust.contrib.asgi import serve_asgi
from sqlalchemy import Engine

from alertdesk.settings import Settings
from alertdesk.web import build_http_app
from incidents.db import create_db_engine, session_factory, sqlalchemy_url
from incidents.writer_agent import register_writer
from notify.channels.console import ConsoleChannel
from notify.pager import Pager
from notify.pager_agent import register_pager
from notify.planner import Route
from streams.agents.correlate import register_correlate
from streams.agents.dedupe import register_dedupe
from streams.agents.normalize import register_normalize
from streams.alerts.receivers.auth import parse_ingest_auth
from streams.alerts.receivers.http import INGEST_SOURCES
from streams.alerts.receivers.sink import RawSink
from streams.app import StreamConfig, StreamTopics, create_app
from streams.clock import Clock, SystemClock


@dataclass(frozen=True)
class Pipeline:
    """A wired worker: the faust app, its topics and the database engine it writes to."""

    app: faust.App
    topics: StreamTopics
    engine: Engine


def parse_routes(specs: tuple[str, ...]) -> tuple[Route, ...]:
    """Turn 'recipient:channel' strings from the settings into routes.

    Raises:
        ValueError: if a spec has no ':' or an empty part.
    """
    routes = []
    for spec in specs:
        recipient, _, channel = spec.partition(":")
        if not recipient or not channel:
            raise ValueError(f"page route {spec!r} must look like 'recipient:channel', e.g. 'on-call:console'")
        routes.append(Route(recipient=recipient, channel=channel))
    return tuple(routes)


def stream_config(settings: Settings, bootstrap_servers: tuple[str, ...]) -> StreamConfig:
    """The stream layer's view of the settings."""
    return StreamConfig(
        bootstrap_servers=bootstrap_servers,
        topic_prefix=settings.topic_prefix,
        partitions=settings.partitions,
        replication_factor=settings.replication_factor,
        data_dir=settings.data_dir,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        session_timeout_s=settings.session_timeout_s,
        web_host=settings.http_host,
        web_port=settings.http_port,
    )


def build_pipeline(settings: Settings, bootstrap_servers: tuple[str, ...], clock: Clock | None = None) -> Pipeline:
    """Create the faust app with every agent of the pipeline and the HTTP app on its loop."""
    clock = clock or SystemClock()
    app, topics = create_app(stream_config(settings, bootstrap_servers))
    engine = create_db_engine(sqlalchemy_url(settings.database_url))
    sessions = session_factory(engine)

    register_normalize(app, topics)
    register_dedupe(app, topics, clock)
    register_correlate(app, topics, clock)
    register_writer(app, topics, sessions, clock)
    pager = Pager(
        sessions,
        channels={"console": ConsoleChannel(stream=sys.stdout)},
        routes=parse_routes(settings.page_routes),
        clock=clock,
        send_timeout=settings.page_send_timeout_s,
    )
    register_pager(app, topics, pager)

    sink = RawSink(topics.raw, ack_timeout_s=settings.ingest_ack_timeout_s, max_in_flight=settings.ingest_max_in_flight)
    api = build_http_app(
        sink=sink,
        sessions=sessions,
        clock=clock,
        ingest_auth=parse_ingest_auth(settings.ingest_auth, sources=INGEST_SOURCES),
        ingest_max_body_bytes=settings.ingest_max_body_bytes,
    )
    serve_asgi(app, api, host=settings.http_host, port=settings.http_port, access_log=False)
    return Pipeline(app=app, topics=topics, engine=engine)
