"""I/O: the SLA columns of `incidents`: deadlines set on a row, and warnings and breaches marked once when due.

`apply_deadlines` is called wherever an incident's priority, services or category are set (the
writer's open, reroot and prioritize; the desk's "create by hand"). `mark_due` is the monitor's
claim: one conditional UPDATE … RETURNING per clock and stage, whose WHERE re-checks the mark on
the row itself, so of two workers ticking at once only one gets the row back (PostgreSQL
re-evaluates the condition after waiting for the other's row lock; SQLite has one writer). The
winner writes the timeline entry in the same transaction. Functions take the session
keyword-only and never commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, func, literal, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from incidents.db import UTCDateTime
from incidents.events import EventKind, IncidentEvent
from incidents.lifecycle import Status
from incidents.models import OPEN_STATUSES, Incident, TimelineEvent
from incidents.sla.targets import SlaClock, SlaPolicy, deadlines
from streams.clock import format_instant
from streams.ids import deterministic_id


@dataclass(frozen=True)
class _Columns:
    """One clock's columns: when to warn, when due, and the marks of having announced each."""

    warn_at: InstrumentedAttribute
    due_at: InstrumentedAttribute
    warned_at: InstrumentedAttribute
    breached_at: InstrumentedAttribute


_CLOCKS = {
    SlaClock.RESPONSE: _Columns(
        Incident.response_warn_at, Incident.response_due_at, Incident.response_warned_at, Incident.response_breached_at
    ),
    SlaClock.RESOLUTION: _Columns(
        Incident.resolution_warn_at,
        Incident.resolution_due_at,
        Incident.resolution_warned_at,
        Incident.resolution_breached_at,
    ),
}


def apply_deadlines(incident: Incident, policy: SlaPolicy) -> None:
    """Set the incident's calendar and deadlines from its `opened_at`, priority, services and category.

    Called again after a priority change, a mark the new deadlines no longer justify (a breach
    marked before the new, later deadline) is cleared, so the monitor announces the new deadline
    when it passes; a mark that still holds stays.

    Raises:
        ValueError: if the incident's priority has no target or `opened_at` is not set.
    """
    if incident.opened_at is None:
        raise ValueError("the incident has no opened_at; set it before its SLA deadlines")
    found = deadlines(incident.opened_at, incident.priority, incident.services or (), incident.category, policy)
    incident.sla_calendar = found.calendar
    for clock, columns in _CLOCKS.items():
        warn_at, due_at = found.of(clock)
        pairs = ((columns.warn_at, warn_at, columns.warned_at), (columns.due_at, due_at, columns.breached_at))
        for instant_column, instant, mark in pairs:
            setattr(incident, instant_column.key, instant)
            marked = getattr(incident, mark.key)
            if marked is not None and marked < instant:
                setattr(incident, mark.key, None)


def mark_due(*, session: Session, now: datetime, limit: int) -> list[IncidentEvent]:
    """Mark the warnings and breaches due at `now` (at most `limit` of each kind) and write their timeline entries.

    A breach also marks its warning when that was not announced yet (a worker was down past both,
    or a backlog held the breach back): the breach says all there is to say. Response runs only
    while the incident is triggered and was never acknowledged or resolved; resolution while it is
    triggered or acknowledged.

    Returns:
        The SLA_BREACHED and SLA_WARNING events to announce (detail "response" or "resolution"),
        breaches first; empty when nothing was due or another worker marked it first.
    """
    events: list[IncidentEvent] = []
    for kind in (EventKind.SLA_BREACHED, EventKind.SLA_WARNING):
        for clock in SlaClock:
            for incident_id, incident_key, at in _claim(session, clock, kind, now, limit):
                event = _record(session, incident_id, incident_key, clock, kind, at, now)
                if event is not None:
                    events.append(event)
    return events


def _claim(
    session: Session, clock: SlaClock, kind: EventKind, now: datetime, limit: int
) -> list[tuple[int, str, datetime]]:
    """Mark up to `limit` incidents whose `kind` of `clock` is due; return (id, key, the instant that passed) of each.

    Candidates are read first without locks (the common answer is none), then marked with the
    condition repeated in the UPDATE: a row another worker marked meanwhile is not returned.
    """
    columns = _CLOCKS[clock]
    breach = kind is EventKind.SLA_BREACHED
    instant, mark = (columns.due_at, columns.breached_at) if breach else (columns.warn_at, columns.warned_at)
    due = [_running(clock), instant <= now, mark.is_(None)]
    values: dict[str, object] = {mark.key: now}
    if breach:
        values[columns.warned_at.key] = func.coalesce(columns.warned_at, literal(now, UTCDateTime))
    else:  # a warning only while its deadline is ahead; past it, the breach says it
        due.append(columns.due_at > now)
    candidates = session.scalars(select(Incident.id).where(*due).order_by(instant).limit(limit)).all()
    if not candidates:
        return []
    claim = (
        update(Incident)
        .where(Incident.id.in_(candidates), *due)
        .values(values)
        .returning(Incident.id, Incident.incident_key, instant)
        .execution_options(synchronize_session=False)
    )
    return [(row[0], row[1], row[2]) for row in session.execute(claim)]


def _running(clock: SlaClock) -> ColumnElement[bool]:
    """SQL: the clock is still running on the incident (see `mark_due`)."""
    if clock is SlaClock.RESOLUTION:
        return Incident.status.in_(OPEN_STATUSES)
    stopped = exists().where(
        TimelineEvent.incident_id == Incident.id,
        TimelineEvent.kind.in_((str(EventKind.ACKNOWLEDGED), str(EventKind.RESOLVED))),
    )
    return (Incident.status == str(Status.TRIGGERED)) & ~stopped


def _record(
    session: Session, incident_id: int, incident_key: str, clock: SlaClock, kind: EventKind, at: datetime, now: datetime
) -> IncidentEvent | None:
    """Write the timeline entry of a claimed mark; None when this very deadline was announced before.

    The id names the deadline, so a deadline moved by a priority change is announced anew, and
    one moved back to where it was (P1 → P3 → P1) is not announced twice.
    """
    event_id = deterministic_id("sla", incident_key, str(clock), str(kind), format_instant(at))
    if session.scalar(select(TimelineEvent.id).where(TimelineEvent.event_id == event_id)) is not None:
        return None
    row = TimelineEvent(
        event_id=event_id,
        incident=session.get(Incident, incident_id),
        command_id=event_id,
        kind=str(kind),
        occurred_at=now,
        actor="system",
        origin="system",
        detail=str(clock),
    )
    session.add(row)
    session.flush()
    return row.as_event()
