"""I/O: `alertdesk incidents list|show`: read incidents from the system of record."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

if TYPE_CHECKING:
    pass

from alertdesk.cli.common import ConfigOption, open_session

incidents_app = typer.Typer(help="Read incidents from the system of record.", no_args_is_help=True)


@incidents_app.command("list")
def incidents_list(
    status: Optional[str] = typer.Option(None, help="triggered, acknowledged or resolved."),
    limit: int = typer.Option(50, min=1, max=500),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """List incidents, newest first."""
    from incidents.queries import list_incidents

    with open_session(config) as session:
        items, total = list_incidents(session=session, status=status, limit=limit, offset=0)
    if as_json:
        typer.echo(json.dumps({"items": items, "total": total}, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{'ID':>5}  {'PRI':<4} {'MAJOR':<5} {'STATUS':<12} {'SEVERITY':<9} {'ALERTS':>6}  {'OPENED':<24} TITLE")
    for item in items:
        major = "yes" if item["major"] else ""
        typer.echo(
            f"{item['id']:>5}  {item['priority']:<4} {major:<5} {item['status']:<12} {item['severity']:<9}"
            f" {item['alert_count']:>6}  {item['opened_at']:<24} {item['title']}"
        )
    typer.echo(f"{len(items)} of {total} incident(s)")


@incidents_app.command("show")
def incidents_show(incident_id: int, config: Optional[Path] = ConfigOption) -> None:
    """Show one incident with its alerts and timeline (JSON)."""
    from incidents.queries import get_incident

    with open_session(config) as session:
        incident = get_incident(session=session, incident_id=incident_id)
    if incident is None:
        typer.echo(f"incident {incident_id} not found", err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(incident, ensure_ascii=False, indent=2))
