"""I/O: the `alertdesk` command line — thin commands over the runner, the database and the broker."""
from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Optional

import typer

from alertdesk.runtime import read_runtime
from alertdesk.settings import Settings, SettingsError, load_settings

app = typer.Typer(help="alertdesk: Kafka-native alert-to-incident pipeline for 7x24 machine rooms.", no_args_is_help=True)
incidents_app = typer.Typer(help="Read incidents from the system of record.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(incidents_app, name="incidents")
app.add_typer(db_app, name="db")

ConfigOption = typer.Option(None, "--config", "-c", help="TOML config file (default ./alertdesk.toml if present).")


def _settings(config: Optional[Path], **overrides) -> Settings:
    try:
        return load_settings(config, **overrides)
    except SettingsError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command()
def up(
    host: Optional[str] = typer.Option(None, help="Address the API and UI listen on (default 127.0.0.1)."),
    port: Optional[int] = typer.Option(None, help="Port the API and UI listen on (default 8080)."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Run the whole pipeline on the embedded default: embedded broker (unless one is configured), SQLite, API, console pager."""
    from alertdesk.runner import run_pipeline

    run_pipeline(_settings(config, http_host=host, http_port=port))


@app.command()
def worker(
    host: Optional[str] = typer.Option(None, help="Address the API listens on."),
    port: Optional[int] = typer.Option(None, help="Port the API listens on."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Run one worker against the configured Kafka cluster (kafka_bootstrap_servers) and database."""
    from alertdesk.runner import run_pipeline

    settings = _settings(config, http_host=host, http_port=port)
    if settings.embedded_broker:
        typer.echo("worker needs kafka_bootstrap_servers (or ALERTDESK_KAFKA_BOOTSTRAP_SERVERS); use `alertdesk up` for the embedded default", err=True)
        raise typer.Exit(2)
    run_pipeline(settings)


def _detect_source(body: str) -> str:
    """Alertmanager API v2 bodies are arrays of objects with `labels`; anything else is generic JSON."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        return "generic"
    first = data[0] if isinstance(data, list) and data else data
    return "alertmanager-api" if isinstance(first, dict) and "labels" in first else "generic"


@app.command()
def send(
    file: str = typer.Argument("-", help="JSON file with alerts (Alertmanager v2 array or generic JSON); '-' reads stdin."),
    source: str = typer.Option("auto", help="alertmanager-api, generic, or auto (detect from the body)."),
    bootstrap: Optional[str] = typer.Option(None, help="Kafka bootstrap servers (default: configured, or the running `up`)."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Validate alerts and put them on alerts.raw, exactly as an HTTP receiver would."""
    from streams.alerts.model import Envelope
    from streams.alerts.normalize import normalize
    from streams.clock import SystemClock
    from streams.kafka_admin import RawProducer
    from streams.topics import topic_names

    settings = _settings(config)
    body = sys.stdin.read() if file == "-" else Path(file).read_text("utf-8")
    chosen = _detect_source(body) if source == "auto" else source
    envelope = Envelope(chosen, SystemClock().now(), "application/json", body, uuid.uuid4().hex)
    checked = normalize(envelope)
    if checked.refused:
        typer.echo(f"not sent: {checked.error}", err=True)
        raise typer.Exit(1)
    runtime = read_runtime(settings.data_dir)
    servers = bootstrap or ",".join(settings.kafka_bootstrap_servers or (runtime.bootstrap_servers if runtime else ()))
    if not servers:
        typer.echo("no broker: start `alertdesk up` first, or pass --bootstrap / set kafka_bootstrap_servers", err=True)
        raise typer.Exit(2)
    prefix = runtime.topic_prefix if runtime and not settings.kafka_bootstrap_servers else settings.topic_prefix
    producer = RawProducer(servers)
    try:
        producer.send_json(topic_names(prefix).raw, chosen, envelope.to_dict())
    finally:
        producer.close()
    typer.echo(f"sent {len(checked.alerts)} alert(s) as {chosen} (envelope {envelope.envelope_id})")


@incidents_app.command("list")
def incidents_list(
    status: Optional[str] = typer.Option(None, help="triggered, acknowledged or resolved."),
    limit: int = typer.Option(50, min=1, max=500),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """List incidents, newest first."""
    from incidents.queries import list_incidents

    with _session(config) as session:
        items, total = list_incidents(session=session, status=status, limit=limit, offset=0)
    if as_json:
        typer.echo(json.dumps({"items": items, "total": total}, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{'ID':>5}  {'STATUS':<12} {'SEVERITY':<9} {'ALERTS':>6}  {'OPENED':<24} TITLE")
    for item in items:
        typer.echo(
            f"{item['id']:>5}  {item['status']:<12} {item['severity']:<9} {item['alert_count']:>6}  {item['opened_at']:<24} {item['title']}"
        )
    typer.echo(f"{len(items)} of {total} incident(s)")


@incidents_app.command("show")
def incidents_show(incident_id: int, config: Optional[Path] = ConfigOption) -> None:
    """Show one incident with its alerts and timeline (JSON)."""
    from incidents.queries import get_incident

    with _session(config) as session:
        incident = get_incident(session=session, incident_id=incident_id)
    if incident is None:
        typer.echo(f"incident {incident_id} not found", err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(incident, ensure_ascii=False, indent=2))


@db_app.command("upgrade")
def db_upgrade(config: Optional[Path] = ConfigOption) -> None:
    """Create or migrate the database schema to the latest version."""
    from alertdesk.db_migrate import upgrade

    settings = _settings(config)
    upgrade(settings.database_url)
    typer.echo(f"database at {settings.database_url} is up to date")


def _session(config: Optional[Path]):
    from incidents.db import create_db_engine, session_factory, sqlalchemy_url

    settings = _settings(config)
    return session_factory(create_db_engine(sqlalchemy_url(settings.database_url)))()


def main() -> None:
    """Entry point of the `alertdesk` console script."""
    app()
