"""I/O: `alertdesk heartbeats list`: the heartbeats as the database holds them.

Read from the system of record, not from a worker, so it answers while no worker runs. The
due time shown leaves out the grace a worker's start gives (a worker that just started waits
one more interval before reporting a heartbeat it could not have received).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from alertdesk.cli.common import ConfigOption, open_session

heartbeats_app = typer.Typer(help="Heartbeats (dead-man's switch) and their last pings.", no_args_is_help=True)


@heartbeats_app.command("list")
def heartbeats_list(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """List the heartbeats: state, interval, last ping, next due time."""
    from incidents.heartbeats.schedule import describe
    from incidents.heartbeats.store import list_all
    from streams.alerts.parsers.heartbeat import format_interval

    with open_session(config) as session:
        items = [describe(record, None) for record in list_all(session=session)]
    if as_json:
        typer.echo(json.dumps({"items": items, "total": len(items)}, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{'NAME':<24} {'STATE':<8} {'EVERY':>7}  {'LAST PING':<24} {'DUE':<24} LABELS")
    for item in items:
        labels = ",".join(f"{key}={value}" for key, value in item["labels"].items())
        typer.echo(
            f"{item['name']:<24} {item['state']:<8} {format_interval(item['interval_seconds']):>7}  "
            f"{item['last_ping_at'] or 'never':<24} {item['due_at']:<24} {labels}"
        )
    typer.echo(f"{len(items)} heartbeat(s)")
