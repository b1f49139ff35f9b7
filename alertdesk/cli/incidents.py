"""I/O: `alertdesk incidents list|show` read incidents from the system of record;
`create` opens a reported one and `ack|resolve|close|reopen|assign|note|escalate|link` act on one,
through the running worker's API.

Reads go to the database, so they answer while no worker runs. Actions go through the worker
(`--url`, default http://HTTP_HOST:HTTP_PORT of the settings), never straight to the database:
only the worker announces them on `incidents.events`, which is what stops the pager escalating.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from alertdesk.cli.common import ConfigOption, open_session
from alertdesk.cli.worker_api import UrlOption, call_worker

incidents_app = typer.Typer(
    help="Read incidents, report one, and acknowledge, resolve, close, reopen, assign, note, escalate or link them.", no_args_is_help=True
)

ByOption = typer.Option(..., "--by", help="Who acts (a person's id).")
NoteOption = typer.Option("", "--note", help="Words for the timeline.")


@incidents_app.command("list")
def incidents_list(
    status: Optional[str] = typer.Option(None, help="triggered, acknowledged, resolved or closed."),
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


def _transition_command(verb: str, summary: str) -> None:
    """Register `incidents <verb> ID --by WHO [--note TEXT]`, which POSTs to /api/incidents/ID/<verb>."""

    def command(
        incident_id: int, by: str = ByOption, note: str = NoteOption, url: Optional[str] = UrlOption,
        config: Optional[Path] = ConfigOption,
    ) -> None:
        _act(config, url, f"{incident_id}/{verb}", {"by": by, "note": note})

    command.__doc__ = summary
    incidents_app.command(verb)(command)


for _verb, _summary in (
    ("ack", "Acknowledge a triggered incident: you are on it, escalation stops."),
    ("resolve", "Resolve a triggered or acknowledged incident."),
    ("close", "Close a resolved incident for good."),
    ("reopen", "Reopen a resolved incident."),
    ("escalate", "Escalate an open incident by hand: the next level is paged now."),
):
    _transition_command(_verb, _summary)


@incidents_app.command("assign")
def incidents_assign(
    incident_id: int,
    to: str = typer.Option(..., "--to", help="A person id or a group id."),
    by: str = ByOption,
    url: Optional[str] = UrlOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Assign an incident that is not closed to a person or a group."""
    _act(config, url, f"{incident_id}/assign", {"by": by, "assignee": to})


@incidents_app.command("note")
def incidents_note(
    incident_id: int,
    text: str = typer.Argument(..., help="The note."),
    by: str = ByOption,
    url: Optional[str] = UrlOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Add a note to the timeline of an incident that is not closed."""
    _act(config, url, f"{incident_id}/notes", {"by": by, "text": text})


@incidents_app.command("link")
def incidents_link(
    incident_id: int,
    other_id: int = typer.Argument(..., help="The related incident."),
    by: str = ByOption,
    note: str = NoteOption,
    url: Optional[str] = UrlOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Link an incident that is not closed to a related one."""
    _act(config, url, f"{incident_id}/links", {"by": by, "other_id": other_id, "note": note})


@incidents_app.command("create")
def incidents_create(
    title: str = typer.Argument(..., help="What is wrong, in one line."),
    by: str = ByOption,
    category: str = typer.Option("other", help="power, cooling, network, environment, … or other."),
    impact: str = typer.Option("low", help="high, medium or low: how much of the business is hurt."),
    urgency: str = typer.Option("low", help="high, medium or low: how fast it gets worse."),
    site: str = typer.Option("", help="The site (data centre) it is in."),
    service: list[str] = typer.Option([], "--service", help="A business service affected (repeatable)."),
    description: str = typer.Option("", help="What the reporter said."),
    url: Optional[str] = UrlOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Open an incident a person reported (a phone call to the desk); priority = impact x urgency."""
    body = {
        "by": by, "title": title, "category": category, "impact": impact, "urgency": urgency, "site": site,
        "services": service, "description": description,
    }
    _act(config, url, "", body)


def _act(config: Optional[Path], url: Optional[str], path: str, body: dict[str, Any]) -> None:
    """POST the action to the worker's `/api/incidents/{path}` and print the events it announced."""
    answer = call_worker(config, url, "POST", f"/api/incidents/{path}".rstrip("/"), body, idempotent=True)
    for event in answer["events"]:
        typer.echo(
            f"incident {event['incident_id']} {event['kind']} by {event['actor']} (via {event['via']}),"
            f" now {event['status']}: {event['detail']}"
        )
