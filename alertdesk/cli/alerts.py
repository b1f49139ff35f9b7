"""I/O: `alertdesk send` and `alertdesk replay`: alerts onto alerts.raw, exactly as a receiver would put them."""
from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

import httpx
import typer

if TYPE_CHECKING:
    from streams.alerts.scenario import Due
    from streams.clock import Clock
    from streams.kafka_admin import RawProducer

from alertdesk.cli.common import (
    Broker,
    ConfigOption,
    find_broker,
    producer_to,
    send_envelope,
    settings_or_exit,
)


def _detect_source(body: str) -> str:
    """Alertmanager API v2 bodies are arrays of objects with `labels`; anything else is generic JSON."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        return "generic"
    first = data[0] if isinstance(data, list) and data else data
    return "alertmanager-api" if isinstance(first, dict) and "labels" in first else "generic"


def send(
    file: str = typer.Argument("-", help="JSON file with alerts (Alertmanager v2 array or generic JSON); '-' reads stdin."),
    source: str = typer.Option("auto", help="A registered parser (alertmanager-api, alertmanager, grafana, zabbix, generic), or auto: Alertmanager v2 array or generic JSON, detected from the body."),
    bootstrap: Optional[str] = typer.Option(None, help="Kafka bootstrap servers (default: configured, or the running `up`)."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Validate alerts and put them on alerts.raw, exactly as an HTTP receiver would."""
    from streams.alerts.model import Envelope
    from streams.alerts.normalize import normalize
    from streams.clock import SystemClock

    settings = settings_or_exit(config)
    body = sys.stdin.read() if file == "-" else Path(file).read_text("utf-8")
    chosen = _detect_source(body) if source == "auto" else source
    envelope = Envelope(chosen, SystemClock().now(), "application/json", body, uuid.uuid4().hex)
    checked = normalize(envelope)
    if checked.refused:
        typer.echo(f"not sent: {checked.error}", err=True)
        raise typer.Exit(1)
    broker = find_broker(settings, bootstrap)
    with producer_to(broker) as producer:
        send_envelope(producer, broker, envelope)
    typer.echo(f"sent {len(checked.alerts)} alert(s) as {chosen} (envelope {envelope.envelope_id})")


def replay(
    file: Path = typer.Argument(..., help="Scenario: JSONL of timed alerts, or with --score a correlation scenario folder or a folder of them (docs/scenarios.md)."),
    speed: float = typer.Option(1.0, min=0.0, help="Time factor: 2 plays twice as fast, 0 sends everything at once."),
    score: bool = typer.Option(False, "--score", help="Load the folder's topology and setup, replay, wait until quiet, score incidents against expected.yaml (exit 1 on any failure)."),
    api: Optional[str] = typer.Option(None, help="With --score: the pipeline's API (default http://HTTP_HOST:HTTP_PORT of the settings)."),
    bootstrap: Optional[str] = typer.Option(None, help="Kafka bootstrap servers (default: configured, or the running `up`)."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Check a whole scenario, then put each line's body on alerts.raw at its time, as `send` would."""
    if score or file.is_dir():
        if not (score and file.is_dir()):
            typer.echo(f"{file}: --score takes a scenario folder (topology.yaml, alerts.jsonl, expected.yaml) or a folder of them", err=True)
            raise typer.Exit(2)
        _replay_and_score(file, speed=speed, api=api, bootstrap=bootstrap, config=config)
        return
    from streams.alerts.scenario import (
        ScenarioError,
        check_bodies,
        parse_scenario,
        schedule,
    )
    from streams.clock import SystemClock

    settings, clock = settings_or_exit(config), SystemClock()
    try:
        lines = parse_scenario(file.read_text("utf-8"))
        counts = dict(zip((entry.line for entry in lines), check_bodies(lines, now=clock.now())))
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"cannot read {file}: {exc}", err=True)
        raise typer.Exit(2) from exc
    except ScenarioError as exc:
        typer.echo(f"{file}: {exc}; nothing sent", err=True)
        raise typer.Exit(1) from exc
    broker = find_broker(settings, bootstrap)
    with producer_to(broker) as producer:
        try:
            plan = schedule(lines, now=clock.now(), speed=speed)
        except ValueError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from exc
        sent = _play(plan, counts, producer, broker, clock)
    elapsed = (clock.now() - plan[0].due_at).total_seconds() if plan else 0.0
    typer.echo(f"replayed {sent} line(s), {sum(counts.values())} alert(s) from {file} in {elapsed:.2f}s")


def _play(plan: Sequence[Due], counts: dict[int, int], producer: RawProducer, broker: Broker, clock: Clock) -> int:
    """Send each due line at its time (the sleeping happens here, not in the schedule); return lines sent."""
    from streams.alerts.model import Envelope
    from streams.alerts.scenario import CONTENT_TYPE

    start, sent = clock.now(), 0
    try:
        for due in plan:
            time.sleep(max((due.due_at - clock.now()).total_seconds(), 0.0))
            envelope = Envelope(due.source, clock.now(), CONTENT_TYPE, due.body, uuid.uuid4().hex)
            send_envelope(producer, broker, envelope)
            sent += 1
            offset = (envelope.received_at - start).total_seconds()
            typer.echo(f"[{offset:8.2f}s] line {due.line}: sent {counts[due.line]} alert(s) as {due.source}")
    except KeyboardInterrupt:
        typer.echo(f"interrupted: {sent} of {len(plan)} line(s) sent", err=True)
        raise typer.Exit(130) from None
    return sent


def _replay_and_score(folder: Path, *, speed: float, api: Optional[str], bootstrap: Optional[str], config: Optional[Path]) -> None:
    """Load topology and setup, replay every scenario of `folder` together, wait until quiet, print the scores."""
    from alertdesk.cli.common import api_auth_headers, open_session
    from alertdesk.cli.scenario_files import ScenarioFilesError, load_scenarios
    from alertdesk.cli.scenario_run import ScenarioRunError, ScenarioRunner
    from incidents.topology.store import save_topology
    from streams.clock import SystemClock
    from streams.correlation.scoring import format_scores, score
    from streams.correlation.topology_files import TopologyError, load_topology_files

    settings, clock = settings_or_exit(config), SystemClock()
    try:
        scenarios = load_scenarios(folder, now=clock.now())
        topology = load_topology_files([scenario.topology_file for scenario in scenarios])
    except (ScenarioFilesError, TopologyError) as exc:
        typer.echo(f"{exc}; nothing sent", err=True)
        raise typer.Exit(1) from exc
    with open_session(config) as session, session.begin():
        files = [str(scenario.topology_file) for scenario in scenarios]
        saved = save_topology(session, topology, source="replay --score", now=clock.now(), files=files)
    if saved.changed:
        # The correlate stage looks for a new revision every correlation_topology_refresh_s.
        typer.echo(f"topology revision {saved.revision.number} loaded; waiting for the correlators to pick it up")
        time.sleep(settings.correlation_topology_refresh_s + 1.0)
    runner = ScenarioRunner(api or f"http://{settings.http_host}:{settings.http_port}", find_broker(settings, bootstrap), clock,
                            echo=typer.echo, headers=api_auth_headers(settings))
    try:
        runner.setup(scenarios, clock.now())
        sent = runner.replay(scenarios, speed=speed)
        runner.wait_quiet(quiet_s=settings.correlation_hold_down_s + 3.0, timeout_s=120.0)
        scores = [score(scenario.expected, runner.outcome(scenario, sent)) for scenario in scenarios]
    except (ScenarioRunError, httpx.HTTPError) as exc:
        typer.echo(f"scoring failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(format_scores(scores))
    if not all(each.passed for each in scores):
        raise typer.Exit(1)
