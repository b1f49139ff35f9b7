"""I/O: `alertdesk handover write|ack|list|show` — shift handovers through the running worker's API.

Writing and acknowledging go through the worker (never straight to the database), because only
the worker announces them on `incidents.events` and puts them on the incidents' timelines with
the events published. The CLI authenticates with its API token (ALERTDESK_API_TOKEN or
<data_dir>/cli-token); the worker records that token as the writer or acknowledger, and as an
admin token it may write for the named `--outgoing` person and acknowledge for the incoming one.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from alertdesk.cli.common import ConfigOption
from alertdesk.cli.worker_api import UrlOption, call_worker

handover_app = typer.Typer(help="Shift handovers (交接班): write, acknowledge, list, show.", no_args_is_help=True)


@handover_app.command("write")
def handover_write(
    label: str = typer.Option(..., "--label", help='The shift, e.g. "night 2026-11-03" or "夜班".'),
    start: str = typer.Option(..., "--start", help="Shift start (RFC 3339, with Z or an offset)."),
    end: str = typer.Option(..., "--end", help="Shift end (RFC 3339)."),
    incoming: str = typer.Option(..., "--incoming", help="Who takes over (a person's id)."),
    outgoing: Optional[str] = typer.Option(None, "--outgoing", help="Who hands over; default: the token's user."),
    notes: str = typer.Option("", "--notes", help="Free notes for the incoming shift."),
    url: Optional[str] = UrlOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Write your shift's handover; the worker snapshots open incidents, silences, maintenance and runbook steps."""
    body = {"shift_label": label, "shift_start": start, "shift_end": end, "incoming": incoming, "notes": notes}
    if outgoing:
        body["outgoing"] = outgoing
    shown = _call(config, url, "POST", "", body, idempotent=True)
    snapshot = shown["snapshot"]
    typer.echo(
        f"handover {shown['id']} written: {shown['shift_label']} {shown['outgoing']} → {shown['incoming']};"
        f" {len(snapshot['incidents'])} open incident(s), {len(snapshot['silences'])} silence(s),"
        f" {len(snapshot['maintenance'])} maintenance window(s), {len(snapshot['runbook_steps'])} runbook step(s)"
    )


@handover_app.command("ack")
def handover_ack(handover_id: int, url: Optional[str] = UrlOption, config: Optional[Path] = ConfigOption) -> None:
    """Acknowledge a handover as its incoming person; the first acknowledgement stands."""
    shown = _call(config, url, "POST", f"/{handover_id}/acknowledge", None)
    typer.echo(f"handover {shown['id']} acknowledged by {shown['acknowledged_by']} at {shown['acknowledged_at']}")


@handover_app.command("list")
def handover_list(
    limit: int = typer.Option(20, min=1, max=500),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    url: Optional[str] = UrlOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """List handovers, newest first."""
    listing = _call(config, url, "GET", f"?limit={limit}", None)
    if as_json:
        typer.echo(json.dumps(listing, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{'ID':>5}  {'SHIFT':<20} {'OUT → IN':<30} {'WRITTEN':<24} ACKNOWLEDGED")
    for item in listing["items"]:
        people = f"{item['outgoing']} → {item['incoming']}"
        acked = f"{item['acknowledged_by']} {item['acknowledged_at']}" if item["acknowledged_at"] else "-"
        typer.echo(f"{item['id']:>5}  {item['shift_label']:<20} {people:<30} {item['written_at']:<24} {acked}")
    typer.echo(f"{len(listing['items'])} of {listing['total']} handover(s)")


@handover_app.command("show")
def handover_show(handover_id: int, url: Optional[str] = UrlOption, config: Optional[Path] = ConfigOption) -> None:
    """Show one handover with its snapshot (JSON)."""
    typer.echo(json.dumps(_call(config, url, "GET", f"/{handover_id}", None), ensure_ascii=False, indent=2))


def _call(config: Optional[Path], url: Optional[str], method: str, path: str, body: dict[str, Any] | None,
          *, idempotent: bool = False) -> dict[str, Any]:
    """Call /api/handovers{path} on the worker; print its refusal and exit 1 on an error."""
    return call_worker(config, url, method, f"/api/handovers{path}", body, idempotent=idempotent)
