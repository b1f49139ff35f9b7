"""I/O: puts the packages together on one faust app — the only place that knows all of them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Mapping

import faust
from faust.contrib.asgi import serve_asgi
from sqlalchemy import Engine

from access.web import AccessConfig, AccessService
from alertdesk.correlation import register_correlation
from alertdesk.member_liveness import Liveness
from alertdesk.member_reaper import register_member_reaper
from alertdesk.metrics_sampler import register_metrics_sampler
from alertdesk.paging import register_paging
from alertdesk.readiness import Readiness
from alertdesk.reports import report_routers
from alertdesk.runbooks import register_runbooks
from alertdesk.settings import Settings, SettingsError, ingest_auth_sources
from alertdesk.sla import register_sla
from alertdesk.web import build_http_app
from incidents.action_service import IncidentActions, topic_publisher
from incidents.db import create_db_engine, session_factory, sqlalchemy_url
from incidents.heartbeats.agent import register_heartbeats
from incidents.heartbeats.monitor import HeartbeatMonitor
from incidents.heartbeats.schedule import parse_heartbeats
from incidents.writer_agent import register_writer
from incidents.writer_process import WriterProcess
from streams.agents.dedupe import register_dedupe
from streams.agents.normalize import register_normalize
from streams.alerts.flapping import FlapPolicy
from streams.alerts.parsers import PARSERS, Parser
from streams.alerts.parsers.snmp import snmp_parser
from streams.alerts.receivers.auth import parse_ingest_auth
from streams.alerts.receivers.sink import RawSink
from streams.alerts.receivers.snmp import SnmpListenError, SnmpTrapReceiver, serve_snmp
from streams.alerts.receivers.snmp_config import receiver_config
from streams.app import StreamConfig, StreamTopics, create_app
from streams.clock import Clock, SystemClock
from streams.correlation.priority import parse_matrix


@dataclass(frozen=True)
class Pipeline:
    """A wired worker: the faust app, its topics, the database engine it writes to and its writer process."""

    app: faust.App
    topics: StreamTopics
    engine: Engine
    writer: WriterProcess


def parsers(settings: Settings) -> Mapping[str, Parser]:
    """The parser registry: the built-in one, with the SNMP parser rebuilt when vendor trap mappings are configured."""
    if not settings.snmp_mapping_files:
        return PARSERS
    return {**PARSERS, "snmp": snmp_parser(settings.snmp_mapping_files)}


def snmp_receiver(settings: Settings, sink: RawSink, clock: Clock) -> SnmpTrapReceiver | None:
    """The SNMP trap receiver with its UDP socket bound, or None when `snmp_listen` is empty.

    Raises:
        SettingsError: the address cannot be bound (in use, not local, privileged port).
    """
    config = receiver_config(settings.snmp_listen, settings.snmp_communities, settings.snmp_v3_users)
    if config is None:
        return None
    try:
        return SnmpTrapReceiver(config, sink, clock)
    except SnmpListenError as exc:
        raise SettingsError(f"snmp_listen = {settings.snmp_listen!r}: {exc.strerror}") from exc


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


def access_config(settings: Settings) -> AccessConfig:
    """Sign-in as configured; session cookies are Secure when people reach the worker over https."""
    return AccessConfig(
        enabled=settings.auth_enabled,
        session_max_age_s=settings.session_max_age_s,
        session_idle_timeout_s=settings.session_idle_timeout_s,
        secure_cookies=settings.public_url.startswith("https://"),
    )


def build_pipeline(settings: Settings, bootstrap_servers: tuple[str, ...], clock: Clock | None = None) -> Pipeline:
    """Create the faust app with every agent of the pipeline and the HTTP app on its loop."""
    clock = clock or SystemClock()
    app, topics = create_app(stream_config(settings, bootstrap_servers))
    engine = create_db_engine(sqlalchemy_url(settings.database_url))
    sessions = session_factory(engine)

    register_normalize(app, topics, parsers(settings))
    flap_policy = FlapPolicy(
        window=timedelta(seconds=settings.flap_window_s),
        flap_threshold=settings.flap_threshold,
        unflap_threshold=settings.unflap_threshold,
        quiet=timedelta(seconds=settings.flap_quiet_s),
    )
    register_dedupe(app, topics, clock, flap_policy)
    register_correlation(app, topics, sessions, clock, settings, bootstrap_servers=bootstrap_servers)
    sla = register_sla(app, topics, sessions, clock, settings)
    writer = WriterProcess(sqlalchemy_url(settings.database_url), sla)
    register_writer(app, topics, writer, clock)
    actions = IncidentActions(
        sessions, topic_publisher(topics.events), clock=clock, matrix=parse_matrix(settings.priority_matrix), sla=sla
    )
    paging = register_paging(app, topics, sessions, clock, settings, actions)
    runbook_parts = register_runbooks(app, topics, sessions, clock, settings)

    sink = RawSink(topics.raw, ack_timeout_s=settings.ingest_ack_timeout_s, max_in_flight=settings.ingest_max_in_flight)
    heartbeats = HeartbeatMonitor(sessions, sink, clock, parse_heartbeats(settings.heartbeats))
    register_heartbeats(app, heartbeats, check_interval_s=settings.heartbeat_check_interval_s)
    register_metrics_sampler(app, topics, sessions, clock, settings)
    if engine.dialect.name == "postgresql":  # several workers; on SQLite there is only ever one
        register_member_reaper(app, sessions, clock, bootstrap_servers=bootstrap_servers,
                               liveness=Liveness.for_session_timeout(settings.session_timeout_s))
    api = build_http_app(
        sink=sink,
        sessions=sessions,
        clock=clock,
        heartbeats=heartbeats,
        access=AccessService(sessions, clock, access_config(settings)),
        ingest_auth=parse_ingest_auth(settings.ingest_auth, sources=ingest_auth_sources()),
        ingest_max_body_bytes=settings.ingest_max_body_bytes,
        actions=actions,
        routers=[
            *paging.routers, *report_routers(settings, sessions, clock, topic_publisher(topics.events)),
            *runbook_parts.routers,
        ],
        readiness=Readiness(app, engine, topics.names.raw).check,
    )
    serve_asgi(app, api, host=settings.http_host, port=settings.http_port, access_log=False)
    snmp = snmp_receiver(settings, sink, clock)
    if snmp is not None:
        serve_snmp(app, snmp)
    return Pipeline(app=app, topics=topics, engine=engine, writer=writer)
