"""I/O: the `alertdesk` command line — thin commands over the runner, the database and the broker."""
from __future__ import annotations

import json
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional, Sequence

import typer

from alertdesk.runtime import read_runtime
from alertdesk.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from streams.alerts.model import Envelope
    from streams.alerts.scenario import Due
    from streams.clock import Clock
    from streams.kafka_admin import RawProducer
    from streams.topics import TopicNames

app = typer.Typer(help="alertdesk: Kafka-native alert-to-incident pipeline for 7x24 machine rooms.", no_args_is_help=True)
incidents_app = typer.Typer(help="Read incidents from the system of record.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(incidents_app, name="incidents")
app.add_typer(db_app, name="db")
dlq_app = typer.Typer(help="Dead letters on alerts.dlq: list them, re-send them after a fix.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")

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

    settings = _settings(config)
    body = sys.stdin.read() if file == "-" else Path(file).read_text("utf-8")
    chosen = _detect_source(body) if source == "auto" else source
    envelope = Envelope(chosen, SystemClock().now(), "application/json", body, uuid.uuid4().hex)
    checked = normalize(envelope)
    if checked.refused:
        typer.echo(f"not sent: {checked.error}", err=True)
        raise typer.Exit(1)
    broker = _find_broker(settings, bootstrap)
    with _producer(broker) as producer:
        _send_envelope(producer, broker, envelope)
    typer.echo(f"sent {len(checked.alerts)} alert(s) as {chosen} (envelope {envelope.envelope_id})")


@dataclass(frozen=True)
class _Broker:
    """Where the pipeline's Kafka is: bootstrap servers and the topic names under its prefix."""

    servers: str
    topics: TopicNames


def _find_broker(settings: Settings, bootstrap: Optional[str]) -> _Broker:
    """The broker of --bootstrap, the configuration, or the running `up` (runtime file); exit 2 if none."""
    from streams.topics import topic_names

    runtime = read_runtime(settings.data_dir)
    servers = bootstrap or ",".join(settings.kafka_bootstrap_servers or (runtime.bootstrap_servers if runtime else ()))
    if not servers:
        typer.echo("no broker: start `alertdesk up` first, or pass --bootstrap / set kafka_bootstrap_servers", err=True)
        raise typer.Exit(2)
    prefix = runtime.topic_prefix if runtime and not settings.kafka_bootstrap_servers else settings.topic_prefix
    return _Broker(servers, topic_names(prefix))


@contextmanager
def _producer(broker: _Broker) -> Iterator[RawProducer]:
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


def _send_envelope(producer: RawProducer, broker: _Broker, envelope: Envelope) -> None:
    """Put one envelope on alerts.raw keyed by its source, as the HTTP receivers do."""
    producer.send_json(broker.topics.raw, envelope.source, envelope.to_dict())


@app.command()
def replay(
    file: Path = typer.Argument(..., help="Scenario: JSONL of timed alerts (docs/scenarios.md)."),
    speed: float = typer.Option(1.0, min=0.0, help="Time factor: 2 plays twice as fast, 0 sends everything at once."),
    bootstrap: Optional[str] = typer.Option(None, help="Kafka bootstrap servers (default: configured, or the running `up`)."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Check a whole scenario, then put each line's body on alerts.raw at its time, as `send` would."""
    from streams.alerts.scenario import ScenarioError, check_bodies, parse_scenario, schedule
    from streams.clock import SystemClock

    settings, clock = _settings(config), SystemClock()
    try:
        lines = parse_scenario(file.read_text("utf-8"))
        counts = dict(zip((entry.line for entry in lines), check_bodies(lines, now=clock.now())))
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"cannot read {file}: {exc}", err=True)
        raise typer.Exit(2) from exc
    except ScenarioError as exc:
        typer.echo(f"{file}: {exc}; nothing sent", err=True)
        raise typer.Exit(1) from exc
    broker = _find_broker(settings, bootstrap)
    with _producer(broker) as producer:
        try:
            plan = schedule(lines, now=clock.now(), speed=speed)
        except ValueError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from exc
        sent = _play(plan, counts, producer, broker, clock)
    elapsed = (clock.now() - plan[0].due_at).total_seconds() if plan else 0.0
    typer.echo(f"replayed {sent} line(s), {sum(counts.values())} alert(s) from {file} in {elapsed:.2f}s")


def _play(plan: Sequence[Due], counts: dict[int, int], producer: RawProducer, broker: _Broker, clock: Clock) -> int:
    """Send each due line at its time (the sleeping happens here, not in the schedule); return lines sent."""
    from streams.alerts.model import Envelope
    from streams.alerts.scenario import CONTENT_TYPE

    start, sent = clock.now(), 0
    try:
        for due in plan:
            time.sleep(max((due.due_at - clock.now()).total_seconds(), 0.0))
            envelope = Envelope(due.source, clock.now(), CONTENT_TYPE, due.body, uuid.uuid4().hex)
            _send_envelope(producer, broker, envelope)
            sent += 1
            offset = (envelope.received_at - start).total_seconds()
            typer.echo(f"[{offset:8.2f}s] line {due.line}: sent {counts[due.line]} alert(s) as {due.source}")
    except KeyboardInterrupt:
        typer.echo(f"interrupted: {sent} of {len(plan)} line(s) sent", err=True)
        raise typer.Exit(130) from None
    return sent


DLQ_READ_TIMEOUT_S = 30.0


def _read_dlq(broker: _Broker) -> list[dict]:
    """Every record on alerts.dlq from the start, without a consumer group; exit 1 if it cannot be read."""
    from streams.kafka_admin import read_topic

    try:
        return read_topic(broker.servers, broker.topics.dlq, timeout=DLQ_READ_TIMEOUT_S)
    except (LookupError, TimeoutError, ValueError) as exc:
        typer.echo(f"cannot read {broker.topics.dlq}: {exc}", err=True)
        raise typer.Exit(1) from exc


def _position(record: dict) -> str:
    return f"{record['partition']}:{record['offset']}"


def _dead_letter(record: dict) -> dict:
    return record["value"] if isinstance(record["value"], dict) else {}


@dlq_app.command("list")
def dlq_list(
    limit: int = typer.Option(50, min=1, help="Show at most this many, oldest first per partition."),
    as_json: bool = typer.Option(False, "--json", help="Print the full records as JSON."),
    bootstrap: Optional[str] = typer.Option(None, help="Kafka bootstrap servers (default: configured, or the running `up`)."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """List dead letters: position (PARTITION:OFFSET), stage, source and reason."""
    from streams.dead_letter import record_source

    records = _read_dlq(_find_broker(_settings(config), bootstrap))
    shown = records[:limit]
    if as_json:
        items = [{"position": _position(r), **r} for r in shown]
        typer.echo(json.dumps({"items": items, "total": len(records)}, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{'POSITION':<10} {'STAGE':<16} {'SOURCE':<18} REASON")
    for record in shown:
        letter = _dead_letter(record)
        reason = " ".join(str(letter.get("reason", "")).split())
        reason = reason if len(reason) <= 100 else reason[:99] + "…"
        typer.echo(f"{_position(record):<10} {str(letter.get('stage', '-')):<16} {record_source(letter):<18} {reason}")
    typer.echo(f"{len(shown)} of {len(records)} dead letter(s)")


@dlq_app.command("replay")
def dlq_replay(
    offsets: list[str] = typer.Option([], "--offset", help="PARTITION:OFFSET as `dlq list` shows (OFFSET alone if only one partition has it); repeatable."),
    all_records: bool = typer.Option(False, "--all", help="Every dead letter (each distinct event is sent once)."),
    stage: Optional[str] = typer.Option(None, help="Only dead letters of this stage: normalize, dedupe, correlate, incident-writer, pager."),
    bootstrap: Optional[str] = typer.Option(None, help="Kafka bootstrap servers (default: configured, or the running `up`)."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Re-send dead-lettered events, unchanged (same ids), to the topic their stage consumes — e.g. after a parser fix."""
    from streams.dead_letter import NotReplayable, redelivery
    from streams.topics import STAGE_INPUTS

    if bool(offsets) == all_records:
        typer.echo("say which dead letters: --offset PARTITION:OFFSET (repeatable) or --all", err=True)
        raise typer.Exit(2)
    if stage is not None and stage not in STAGE_INPUTS:
        typer.echo(f"unknown stage {stage!r}; stages are {', '.join(STAGE_INPUTS)}", err=True)
        raise typer.Exit(2)
    broker = _find_broker(_settings(config), bootstrap)
    records = _read_dlq(broker)
    chosen = records if all_records else _pick(records, offsets)
    chosen = [r for r in chosen if stage is None or _dead_letter(r).get("stage") == stage]
    sent, skipped, seen = 0, 0, set()
    with _producer(broker) as producer:
        for record in chosen:
            try:
                target = redelivery(_dead_letter(record), broker.topics)
            except NotReplayable as exc:
                typer.echo(f"skipped {_position(record)}: {exc}", err=True)
                skipped += 1
                continue
            identity = (target.topic, json.dumps(target.value, sort_keys=True))
            if identity in seen:  # a replay that failed again: the same event, already re-sent above
                continue
            seen.add(identity)
            producer.send_json(target.topic, target.key, target.value)
            sent += 1
            typer.echo(f"re-sent {_position(record)} ({_dead_letter(record)['stage']}) to {target.topic}, key {target.key}")
    typer.echo(f"re-sent {sent} dead letter(s)" + (f", skipped {skipped}" if skipped else ""))
    if skipped:
        raise typer.Exit(1)


def _pick(records: list[dict], wanted: list[str]) -> list[dict]:
    """The records at `wanted` positions (P:O, or O when only one partition has it); exit 1 naming any not found."""
    picked = []
    for position in wanted:
        partition, _, offset = position.rpartition(":")
        matches = [r for r in records if str(r["offset"]) == offset and partition in ("", str(r["partition"]))]
        if len(matches) != 1:
            found = ", ".join(_position(r) for r in matches)
            problem = f"is ambiguous ({found}); give PARTITION:OFFSET" if matches else "is not on the dead-letter topic"
            typer.echo(f"--offset {position} {problem}; nothing sent", err=True)
            raise typer.Exit(1)
        picked.extend(matches)
    return picked


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
