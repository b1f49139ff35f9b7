"""I/O: what the CLI commands share: settings, finding the broker, producing an envelope, a database session."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional

import typer

from alertdesk.runtime import read_runtime
from alertdesk.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from streams.alerts.model import Envelope
    from streams.kafka_admin import RawProducer
    from streams.topics import TopicNames

ConfigOption = typer.Option(None, "--config", "-c", help="TOML config file (default ./alertdesk.toml if present).")


def settings_or_exit(config: Optional[Path], **overrides) -> Settings:
    try:
        return load_settings(config, **overrides)
    except SettingsError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from exc


@dataclass(frozen=True)
class Broker:
    """Where the pipeline's Kafka is: bootstrap servers and the topic names under its prefix."""

    servers: str
    topics: TopicNames


def find_broker(settings: Settings, bootstrap: Optional[str]) -> Broker:
    """The broker of --bootstrap, the configuration, or the running `up` (runtime file); exit 2 if none."""
    from streams.topics import topic_names

    runtime = read_runtime(settings.data_dir)
    servers = bootstrap or ",".join(settings.kafka_bootstrap_servers or (runtime.bootstrap_servers if runtime else ()))
    if not servers:
        typer.echo("no broker: start `alertdesk up` first, or pass --bootstrap / set kafka_bootstrap_servers", err=True)
        raise typer.Exit(2)
    prefix = runtime.topic_prefix if runtime and not settings.kafka_bootstrap_servers else settings.topic_prefix
    return Broker(servers, topic_names(prefix))


@contextmanager
def producer_to(broker: Broker) -> Iterator[RawProducer]:
    """A producer to `broker`, closed afterwards; a broker that does not answer or ack ends the command (exit 1)."""
    from streams.kafka_admin import ProduceError, RawProducer

    try:
        producer = RawProducer(broker.servers)
    except ProduceError as exc:
        typer.echo(f"not sent: {exc}", err=True)
        raise typer.Exit(1) from exc
    try:
        yield producer
    except ProduceError as exc:
        typer.echo(f"stopped: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        producer.close()


def send_envelope(producer: RawProducer, broker: Broker, envelope: Envelope) -> None:
    """Put one envelope on alerts.raw keyed by its source, as the HTTP receivers do."""
    producer.send_json(broker.topics.raw, envelope.source, envelope.to_dict())


def api_auth_headers(settings: Settings) -> dict[str, str]:
    """Authorization for the worker's API: `api_token` (ALERTDESK_API_TOKEN), else `up`'s <data_dir>/cli-token."""
    from access.bootstrap import read_cli_token

    token = settings.api_token or read_cli_token(settings.data_dir)
    return {"Authorization": f"Bearer {token}"} if token else {}


def open_session(config: Optional[Path]):
    from incidents.db import create_db_engine, session_factory, sqlalchemy_url

    settings = settings_or_exit(config)
    return session_factory(create_db_engine(sqlalchemy_url(settings.database_url)))()
