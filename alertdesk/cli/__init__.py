"""I/O: the `alertdesk` command line — thin commands over the runner, the database and the broker."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from alertdesk.cli import alerts
from alertdesk.cli.access import tokens_app, users_app
from alertdesk.cli.bench import bench_app
from alertdesk.cli.common import ConfigOption, settings_or_exit
from alertdesk.cli.dlq import dlq_app
from alertdesk.cli.handover import handover_app
from alertdesk.cli.heartbeats import heartbeats_app
from alertdesk.cli.incidents import incidents_app
from alertdesk.cli.oncall import oncall_app, paging_app
from alertdesk.cli.reports import report_app
from alertdesk.cli.runbook import runbook_app
from alertdesk.cli.silences import maintenance_app, silence_app
from alertdesk.cli.topology import topology_app
from alertdesk.settings import Settings, SettingsError

app = typer.Typer(help="alertdesk: Kafka-native alert-to-incident pipeline for 7x24 machine rooms.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(incidents_app, name="incidents")
app.add_typer(db_app, name="db")
app.add_typer(dlq_app, name="dlq")
app.add_typer(silence_app, name="silence")
app.add_typer(maintenance_app, name="maintenance")
app.add_typer(heartbeats_app, name="heartbeats")
app.add_typer(topology_app, name="topology")
app.add_typer(oncall_app, name="oncall")
app.add_typer(paging_app, name="paging")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(report_app, name="report")
app.add_typer(handover_app, name="handover")
app.add_typer(runbook_app, name="runbook")
app.add_typer(bench_app, name="bench")


def run_or_exit(settings: Settings) -> None:
    """Run the pipeline; a setting that only fails once used (an SNMP address already in use) exits 2 with its name."""
    from alertdesk.runner import run_pipeline

    try:
        run_pipeline(settings)
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
    run_or_exit(settings_or_exit(config, http_host=host, http_port=port))


@app.command()
def worker(
    host: Optional[str] = typer.Option(None, help="Address the API listens on."),
    port: Optional[int] = typer.Option(None, help="Port the API listens on."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Run one worker against the configured Kafka cluster (kafka_bootstrap_servers), or join the running `up`'s broker."""
    from alertdesk.runtime import join_running

    settings = settings_or_exit(config, http_host=host, http_port=port)
    if settings.embedded_broker:
        try:
            settings = join_running(settings)
        except SettingsError as exc:
            typer.echo(f"worker: {exc}", err=True)
            raise typer.Exit(2) from exc
    run_or_exit(settings)


@db_app.command("upgrade")
def db_upgrade(config: Optional[Path] = ConfigOption) -> None:
    """Create or migrate the database schema to the latest version."""
    from alertdesk.db_migrate import upgrade

    settings = settings_or_exit(config)
    upgrade(settings.database_url)
    typer.echo(f"database at {settings.database_url} is up to date")


app.command()(alerts.send)
app.command()(alerts.replay)


def main() -> None:
    """Entry point of the `alertdesk` console script."""
    app()
