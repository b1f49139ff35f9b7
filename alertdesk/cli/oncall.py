"""I/O: `alertdesk oncall who|check` and `alertdesk paging validate`: read the paging files, answer from them.

Files come from `-f` or the `paging_files` setting; with neither, the embedded default
directory answers (one person "on-call" on the console). Nothing here touches the database,
so these commands work on a laptop before the file is deployed.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional
from zoneinfo import ZoneInfo

import typer

from alertdesk.cli.common import ConfigOption, settings_or_exit

if TYPE_CHECKING:
    from notify.directory import Directory, Schedule

oncall_app = typer.Typer(help="Who is on call, and what in the paging files will fail someone.", no_args_is_help=True)
paging_app = typer.Typer(help="The paging file: people, groups, schedules, policies, routing.", no_args_is_help=True)

FilesOption = typer.Option(None, "--file", "-f", help="Paging files (.yaml); default: the paging_files setting, else the embedded default.")


def _directory_or_exit(files: Optional[List[Path]], config: Optional[Path]) -> Directory:
    """The directory of `files`, else the one the pipeline would use; every error on stderr and exit 1."""
    from alertdesk.paging_directory import paging_directory
    from alertdesk.settings import SettingsError
    from notify.directory_files import DirectoryError, load_directory

    try:
        return load_directory(list(files)) if files else paging_directory(settings_or_exit(config))
    except (DirectoryError, SettingsError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc


def _instant(value: Optional[str], option: str) -> datetime:
    """The aware instant given to `option`, or now; a naive or malformed one exits 2 naming the option."""
    from notify.directory_format import FormatError, parse_instant
    from streams.clock import SystemClock

    if value is None:
        return SystemClock().now()
    try:
        return parse_instant(value)
    except FormatError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from exc


@oncall_app.command("who")
def who(
    at: Optional[str] = typer.Option(None, "--at", help="Instant with offset, e.g. 2026-11-25T03:00+08:00 (default now)."),
    schedule_id: Optional[str] = typer.Option(None, "--schedule", help="Only this schedule."),
    until: Optional[str] = typer.Option(None, "--until", help="Also list every shift from --at to this instant."),
    files: Optional[List[Path]] = FilesOption,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Who is on call in each schedule now (or --at), and the next handoff; --until lists the shifts."""
    directory = _directory_or_exit(files, config)
    moment = _instant(at, "--at")
    end = _instant(until, "--until") if until is not None else None
    if end is not None and end <= moment:
        raise typer.BadParameter(f"{until} is not after --at {moment.isoformat()}", param_hint="--until")
    schedules = list(directory.schedules.values())
    if schedule_id is not None:
        if schedule_id not in directory.schedules:
            known = ", ".join(directory.schedules) or "none"
            typer.echo(f"unknown schedule {schedule_id!r} (expected one of: {known})", err=True)
            raise typer.Exit(1)
        schedules = [directory.schedules[schedule_id]]
    try:
        views = [_schedule_view(directory, schedule, moment, end) for schedule in schedules]
    except ValueError as exc:  # a range longer than notify.schedules.MAX_RANGE
        raise typer.BadParameter(str(exc), param_hint="--until") from exc
    if as_json:
        typer.echo(json.dumps({"at": moment.isoformat(), "schedules": views}, ensure_ascii=False, indent=2))
        return
    for view in views:
        typer.echo(_schedule_text(view))


def _schedule_view(directory: Directory, schedule: Schedule, at: datetime, until: Optional[datetime]) -> dict[str, Any]:
    """One schedule's answer as plain data, instants in the schedule's own time zone."""
    from notify.schedules import next_handoff, on_call, shifts

    zone = ZoneInfo(schedule.timezone)

    def people(ids: tuple[str, ...]) -> list[dict[str, str]]:
        return [{"id": pid, "name": directory.people[pid].name if pid in directory.people else pid} for pid in ids]

    handoff = next_handoff(schedule, at)
    view: dict[str, Any] = {
        "id": schedule.id, "name": schedule.name, "timezone": schedule.timezone,
        "on_call": people(on_call(schedule, at)),
        "next_handoff": None if handoff is None else {
            "at": handoff.at.astimezone(zone).isoformat(),
            "outgoing": people(handoff.outgoing), "incoming": people(handoff.incoming),
        },
    }
    if until is not None:
        view["shifts"] = [
            {"start": s.start.astimezone(zone).isoformat(), "end": s.end.astimezone(zone).isoformat(), "people": people(s.people)}
            for s in shifts(schedule, at, until)
        ]
    return view


def _schedule_text(view: dict[str, Any]) -> str:
    """The text form of `_schedule_view`."""
    def names(people: list[dict[str, str]]) -> str:
        return ", ".join(f"{p['name']} ({p['id']})" for p in people) or "nobody"

    def when(iso: str) -> str:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M %z")

    lines = [f"{view['id']} {view['name']} ({view['timezone']})", f"  on call: {names(view['on_call'])}"]
    handoff = view["next_handoff"]
    lines.append(
        f"  next handoff: {when(handoff['at'])} -> {names(handoff['incoming'])}" if handoff else "  next handoff: none within a year"
    )
    if "shifts" in view:
        lines.append("  shifts:")
        lines += [f"    {when(s['start'])} - {when(s['end'])}  {names(s['people'])}" for s in view["shifts"]]
    return "\n".join(lines)


@oncall_app.command("check")
def check(
    files: Optional[List[Path]] = FilesOption,
    at: Optional[str] = typer.Option(None, "--at", help="Check as of this instant (default now); schedules are looked at for 7 days."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Print what will fail someone (unreachable people, empty layers, holes in schedules); exit 1 if anything."""
    from notify.directory_checks import check_directory

    directory = _directory_or_exit(files, config)
    warnings = check_directory(directory, _instant(at, "--at"))
    for warning in warnings:
        typer.echo(f"warning: {warning}")
    if warnings:
        typer.echo(f"{len(warnings)} warning(s)")
        raise typer.Exit(1)
    typer.echo("ok: no warnings")


@paging_app.command("validate")
def validate(files: List[Path] = typer.Argument(..., help="Paging files (.yaml); several merge into one directory.")) -> None:
    """Check the files; exit 1 listing every error."""
    d = _directory_or_exit(files, None)
    typer.echo(
        f"ok: {len(d.people)} people, {len(d.groups)} groups, {len(d.schedules)} schedules, "
        f"{len(d.policies)} policies, {len(d.routes)} routes"
    )
