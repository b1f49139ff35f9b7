"""I/O: the incident writer's batch path — many commands, few statements, the same rows and events.

A storm is thousands of ATTACH commands for a handful of open incidents. Applied one by one
(`incidents.store.apply_command`) each costs a savepoint and about nine statements, and on
SQLite every statement hands the GIL to the event loop and waits to get it back, so the writer
spent most of its time queuing (docs/benchmarks.md §8). Here a run of consecutive attaches is
answered from four IN-queries made up front and written in one savepoint: the run's new alert
rows and timeline rows as two executemany INSERTs (plain column values, no ORM objects; nothing
needs their generated ids), the incidents' counters and the updated alert rows by the ORM's flush.
The ORM's own multi-row INSERT was the slow part on PostgreSQL: psycopg parses each statement of
hundreds of placeholders afresh (~1.2 of 5.8 s for 5,000 attaches, bench/writer_profile.py), where
an executemany sends one short statement many times.

Only the common case takes this path: an attach not yet recorded, whose incident key names an
incident that is open. Anything else — another kind, an unknown key, an incident resolved or
closed behind correlation's back, a replayed command — goes through `apply_command`, so the rules
live in one place, and the run starts again after it with fresh look-ups. If the run's flush hits
a unique key (another writer got there first), its savepoint is rolled back and its commands are
applied one by one, which retries each collision as `apply_command` does.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from incidents.events import EventKind, IncidentEvent
from incidents.models import OPEN_STATUSES, CorrelationHold, Incident, IncidentAlert, TimelineEvent, incident_event
from incidents.sla.targets import DEFAULT_POLICY, SlaPolicy
from incidents.store import apply_command, attach_detail, write_alert_row
from incidents.store_rows import alert_row_changes, new_alert_row, timeline_row
from streams.correlation.commands import CommandKind, IncidentCommand


def apply_in_transaction(
    sessions: sessionmaker, commands: Sequence[IncidentCommand], now: datetime, sla: SlaPolicy = DEFAULT_POLICY
) -> list[IncidentEvent]:
    """Apply `commands` in order in one committed transaction and return the events they produced."""
    with sessions() as session, session.begin():
        return apply_commands(session=session, commands=commands, now=now, sla=sla)


def apply_commands(
    *, session: Session, commands: Sequence[IncidentCommand], now: datetime, sla: SlaPolicy = DEFAULT_POLICY
) -> list[IncidentEvent]:
    """Apply `commands` in order and return their events, as `apply_command` on each would.

    Flushes, never commits: the caller owns the transaction.
    """
    events: list[IncidentEvent] = []
    start = 0
    while start < len(commands):
        end = start
        while end < len(commands) and commands[end].kind is CommandKind.ATTACH:
            end += 1
        if end > start:
            applied, run_events = _attach_run(session, commands[start:end], now, sla)
            events += run_events
            start += applied
            if start == end:
                continue
        events += apply_command(session=session, command=commands[start], now=now, sla=sla)
        start += 1
    return events


@dataclass
class _Lookups:
    """What the one-by-one path would have queried for each command of a run, asked once for the run."""

    recorded: set[str]
    incidents: dict[str, Incident]
    held: set[str]
    rows: dict[tuple[int, str], IncidentAlert]


def _look_up(session: Session, run: Sequence[IncidentCommand]) -> _Lookups:
    """Ask once for the whole run (the caller's pending writes are flushed first by autoflush)."""
    ids = [command.command_id for command in run]
    keys = {command.incident_key for command in run}
    fingerprints = {command.alert.fingerprint for command in run if command.alert is not None}
    incidents = {row.incident_key: row for row in session.scalars(select(Incident).where(Incident.incident_key.in_(keys)))}
    rows = session.scalars(
        select(IncidentAlert).where(
            IncidentAlert.fingerprint.in_(fingerprints),
            IncidentAlert.incident_id.in_([incident.id for incident in incidents.values()]),
        )
    )
    return _Lookups(
        recorded=set(session.scalars(select(TimelineEvent.command_id).where(TimelineEvent.command_id.in_(ids)))),
        incidents=incidents,
        held=set(session.scalars(select(CorrelationHold.fingerprint).where(CorrelationHold.fingerprint.in_(fingerprints)))),
        rows={(row.incident_id, row.fingerprint): row for row in rows},
    )


def _attach_run(
    session: Session, run: Sequence[IncidentCommand], now: datetime, sla: SlaPolicy
) -> tuple[int, list[IncidentEvent]]:
    """Apply the leading attaches of `run` that need no decision; return how many were applied and their events."""
    try:
        with session.begin_nested():
            applied, events = _attach_prefix(session, run, now)
            session.flush()
            return applied, events
    except IntegrityError:
        return len(run), [event for command in run for event in apply_command(session=session, command=command, now=now, sla=sla)]


def _attach_prefix(session: Session, run: Sequence[IncidentCommand], now: datetime) -> tuple[int, list[IncidentEvent]]:
    """Attach the run's commands up to the first that needs a decision; return how many and their events."""
    lookups = _look_up(session, run)
    events: list[IncidentEvent] = []
    unhold: set[str] = set()
    new_rows: dict[tuple[int, str], dict[str, Any]] = {}
    timeline: list[dict[str, Any]] = []
    for applied, command in enumerate(run):
        incident = lookups.incidents.get(command.incident_key)
        alert = command.alert
        if (
            alert is None or incident is None or incident.status not in OPEN_STATUSES
            or command.command_id in lookups.recorded
        ):
            break
        lookups.recorded.add(command.command_id)  # the same command twice in a run: the second replays
        key = (incident.id, alert.fingerprint)
        if key in lookups.rows:
            write_alert_row(session, incident, command, lookups.rows[key], status=alert.status, ends_at=alert.ends_at)
        elif key in new_rows:
            new_rows[key].update(alert_row_changes(command, status=alert.status, ends_at=alert.ends_at))
        else:
            changes = alert_row_changes(command, status=alert.status, ends_at=alert.ends_at)
            new_rows[key] = {**new_alert_row(incident, command), **changes}
            incident.alert_count += 1
        events.append(_attached(incident, command, now, timeline))
        if alert.fingerprint in lookups.held:
            unhold.add(alert.fingerprint)
    else:
        applied = len(run)
    if new_rows:
        session.execute(insert(IncidentAlert), list(new_rows.values()))
    if timeline:
        session.execute(insert(TimelineEvent), timeline)
    if unhold:
        session.execute(delete(CorrelationHold).where(CorrelationHold.fingerprint.in_(unhold)))
    return applied, events


def _attached(
    incident: Incident, command: IncidentCommand, now: datetime, timeline: list[dict[str, Any]]
) -> IncidentEvent:
    """`store.attached` for the batch: the same incident change, its timeline row added to `timeline` for one INSERT."""
    incident.updated_at = now
    row = timeline_row(command, EventKind.ALERT_ATTACHED, now, attach_detail(incident, command))
    timeline.append({**row, "incident_id": incident.id})
    return incident_event(incident, event_id=row["event_id"], kind=row["kind"], occurred_at=now, detail=row["detail"],
                          actor=row["actor"], origin=row["origin"])
