"""I/O: `alertdesk silence add|list|expire` and `alertdesk maintenance add|list|cancel`, straight on the database.

The commands build the same JSON the API accepts and decode it with the same codec, so the CLI
and the API refuse the same input with the same message (exit 2).
"""
from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, Callable, List, NoReturn, Optional, TypeVar

import typer

from alertdesk.cli.common import ConfigOption, open_session

silence_app = typer.Typer(
    help="Silences: mute alerts matching labels for a while, saying who and why.", no_args_is_help=True
)
maintenance_app = typer.Typer(
    help="Maintenance windows on CMDB components, one-off or recurring.", no_args_is_help=True
)
_T = TypeVar("_T")


@silence_app.command("add")
def silence_add(
    matchers: List[str] = typer.Argument(..., help='Matchers in amtool syntax: alertname=~"Temp.*" site=dc1'),
    by: str = typer.Option(..., "--by", help="Who creates the silence."),
    comment: str = typer.Option(..., "--comment", help="Why."),
    duration: Optional[str] = typer.Option(None, help="How long, like 2h or 1d12h (default 1h unless --end)."),
    start: Optional[str] = typer.Option(None, help="RFC 3339 start (default now)."),
    end: Optional[str] = typer.Option(None, help="RFC 3339 end, instead of --duration."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Create a silence and print its id."""
    from incidents.silences.codec import silence_from_json
    from incidents.silences.store import add_silence
    from streams.clock import SystemClock

    payload: dict[str, Any] = {"matchers": matchers, "createdBy": by, "comment": comment, "startsAt": start}
    payload.update({"endsAt": end} if end else {"duration": duration or "1h"})
    now = SystemClock().now()
    silence = _or_exit(lambda: silence_from_json(payload, silence_id=str(uuid.uuid4()), now=now))
    with open_session(config) as session:
        add_silence(session=session, silence=silence)
        session.commit()
    typer.echo(silence.id)


@silence_app.command("list")
def silence_list(
    show_all: bool = typer.Option(False, "--all", help="Include expired silences."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """List active and pending silences (with --all, expired ones too), newest first."""
    from incidents.silences.codec import silence_to_json
    from incidents.silences.store import list_silences
    from streams.clock import SystemClock

    now = SystemClock().now()
    with open_session(config) as session:
        items = [silence_to_json(silence, now) for silence in list_silences(session=session, now=now)]
    items = [item for item in items if show_all or item["status"]["state"] != "expired"]
    if as_json:
        typer.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{'ID':<36}  {'STATE':<8} {'ENDS':<24} {'BY':<16} MATCHERS / COMMENT")
    for item in items:
        typer.echo(
            f"{item['id']:<36}  {item['status']['state']:<8} {item['endsAt']:<24} {item['createdBy']:<16} "
            f"{' '.join(item['matchersText'])}  # {item['comment']}"
        )
    typer.echo(f"{len(items)} silence(s)")


@silence_app.command("expire")
def silence_expire(
    silence_id: str,
    by: str = typer.Option(..., "--by", help="Who expires it."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Expire a silence now."""
    from incidents.silences.store import expire_silence
    from streams.clock import SystemClock

    with open_session(config) as session:
        expired = expire_silence(session=session, silence_id=silence_id, by=by, now=SystemClock().now())
        session.commit()
    _found(expired, "silence", silence_id)
    typer.echo(f"silence {silence_id} expired by {by}")


@maintenance_app.command("add")
def maintenance_add(
    components: List[str] = typer.Option(..., "--component", help="CMDB component id (repeat for several)."),
    start: str = typer.Option(..., help="Start, local to --tz unless it has an offset: 2026-03-10T02:00."),
    by: str = typer.Option(..., "--by", help="Who plans the work."),
    reason: str = typer.Option(..., "--reason", help="What the work is."),
    duration: Optional[str] = typer.Option(None, help="How long each occurrence lasts, like 4h."),
    end: Optional[str] = typer.Option(None, help="End of the (first) occurrence, instead of --duration."),
    every: Optional[str] = typer.Option(None, help="Repeat: daily or weekly."),
    weekdays: Optional[str] = typer.Option(None, help="With --every weekly: mon,thu (default: the start's weekday)."),
    until: Optional[str] = typer.Option(None, help="Last local date an occurrence may start, like 2026-06-30."),
    tz: str = typer.Option("UTC", "--tz", help="IANA time zone, like Asia/Shanghai."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Schedule a maintenance window and print its id and next occurrences."""
    from incidents.silences.codec import parse_local_instant, window_from_json
    from incidents.silences.store import add_window
    from streams.alerts.maintenance import WEEKDAY_NAMES, next_occurrences, zone
    from streams.clock import SystemClock, format_instant

    payload: dict[str, Any] = {"components": components, "starts_at": start, "timezone": tz, "created_by": by,
                               "reason": reason, "ends_at": end, "duration": duration}
    if not end and not duration:
        _fail("--duration: give --duration (like 4h) or --end")
    if every:
        if every == "weekly" and not weekdays:
            first = _or_exit(lambda: parse_local_instant(start, tz, "--start").astimezone(zone(tz)))
            weekdays = WEEKDAY_NAMES[first.weekday()]
        payload["recurrence"] = {"frequency": every, "until": until,
                                 "weekdays": weekdays.split(",") if weekdays else []}
    now = SystemClock().now()
    window = _or_exit(lambda: window_from_json(payload, window_id=str(uuid.uuid4()), now=now))
    with open_session(config) as session:
        add_window(session=session, window=window)
        session.commit()
    typer.echo(window.id)
    for occurrence_start, occurrence_end in next_occurrences(window, now, 3):
        typer.echo(f"  {format_instant(occurrence_start)} .. {format_instant(occurrence_end)}")


@maintenance_app.command("list")
def maintenance_list(
    show_all: bool = typer.Option(False, "--all", help="Include finished and cancelled windows."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """List running and scheduled maintenance windows (with --all, every window)."""
    from incidents.silences.codec import window_to_json
    from incidents.silences.store import list_windows
    from streams.alerts.maintenance import WindowState, next_occurrences, window_state
    from streams.clock import SystemClock, format_instant

    now = SystemClock().now()
    with open_session(config) as session:
        windows = list_windows(session=session)
    shown = [w for w in windows if show_all or window_state(w, now) in (WindowState.RUNNING, WindowState.SCHEDULED)]
    if as_json:
        items = [{**window_to_json(w), "state": window_state(w, now).value} for w in shown]
        typer.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{'ID':<36}  {'STATE':<9} {'NEXT':<24} {'EVERY':<7} {'BY':<16} COMPONENTS / REASON")
    for window in shown:
        upcoming = next_occurrences(window, now, 1)
        when = format_instant(upcoming[0][0]) if upcoming else "-"
        every = window.recurrence.frequency.value if window.recurrence else "once"
        typer.echo(
            f"{window.id:<36}  {window_state(window, now).value:<9} {when:<24} {every:<7} {window.created_by:<16} "
            f"{','.join(window.components)}  # {window.reason}"
        )
    typer.echo(f"{len(shown)} window(s)")


@maintenance_app.command("cancel")
def maintenance_cancel(
    window_id: str,
    by: str = typer.Option(..., "--by", help="Who cancels it."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Cancel a maintenance window now (a running occurrence ends)."""
    from incidents.silences.store import cancel_window
    from streams.clock import SystemClock

    with open_session(config) as session:
        cancelled = cancel_window(session=session, window_id=window_id, by=by, now=SystemClock().now())
        session.commit()
    _found(cancelled, "maintenance window", window_id)
    typer.echo(f"maintenance window {window_id} cancelled by {by}")


def _or_exit(build: Callable[[], _T]) -> _T:
    """Run `build`; a ValueError is the user's input: print it and exit 2."""
    try:
        return build()
    except ValueError as exc:
        _fail(str(exc))


def _fail(message: str) -> NoReturn:
    typer.echo(f"invalid: {message}", err=True)
    raise typer.Exit(2)


def _found(value: Any, what: str, key: str) -> None:
    if value is None:
        typer.echo(f"{what} {key} not found", err=True)
        raise typer.Exit(1)
