"""I/O: triggered incidents whose escalation never started, because the pager never read their OPENED or REOPENED.

The pager starts escalating when it reads OPENED from `incidents.events`, and again on
REOPENED. An event can be lost before the pager reads it: the embedded broker keeps its topics
in memory, so a worker stopped in the milliseconds between the writer's commit and the pager's
read takes the event with it. The database still holds the incident (it is the system of
record), so the timer loop asks it now and then for triggered incidents that should be
escalating and are not (`notify/paging.py` `page_unpaged`):

* a triggered incident with no escalation row lost its OPENED;
* a triggered incident whose escalation is resolved was reopened and lost its REOPENED.

An exhausted escalation of a triggered incident is not missing anything: everyone was paged and
nobody acknowledged. `opened_before` leaves the pager time to read the event itself first; if
both start the same escalation anyway, `escalation_store.begin` keeps one row, and a reopened
escalation is restarted under its row's lock, once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from incidents.events import EventKind, IncidentEvent
from incidents.lifecycle import Status
from incidents.models import Incident, TimelineEvent, incident_event
from notify.escalation import EscalationStatus
from notify.models import Escalation
from streams.ids import deterministic_id

#: The timeline entries that start an escalation; the latest of them is the one the pager missed.
_STARTS = (str(EventKind.OPENED), str(EventKind.REOPENED))
_MAJOR = str(EventKind.MAJOR_DECLARED)


def find_unpaged(*, session: Session, opened_before: datetime, limit: int) -> list[Incident]:
    """Up to `limit` triggered incidents opened before `opened_before` that are not escalating, oldest first."""
    query = (
        select(Incident)
        .outerjoin(Escalation, Escalation.incident_id == Incident.id)
        .where(
            Incident.status == str(Status.TRIGGERED),
            Incident.opened_at <= opened_before,
            or_(Escalation.id.is_(None), Escalation.status == str(EscalationStatus.RESOLVED)),
        )
        .order_by(Incident.opened_at, Incident.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def missed_events(*, session: Session, incident: Incident) -> list[IncidentEvent]:
    """The recorded events to hand the pager again: the latest OPENED or REOPENED, and for a missed OPENED of a
    major incident its MAJOR_DECLARED (the roles are paged once per incident, not again on a reopen).

    They are the timeline's own entries (their ids, times and details). Handling them twice pages
    once: the escalation is one row per incident, and a page's key is its incident, cycle,
    purpose, step and contact.
    """
    entries = session.scalars(
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident.id, TimelineEvent.kind.in_(_STARTS + (_MAJOR,)))
        .order_by(TimelineEvent.id.desc())
    ).all()
    start = next((e for e in entries if e.kind in _STARTS), None)
    if start is None:
        return [_opened(incident)]
    major = next((e for e in entries if e.kind == _MAJOR), None)
    missed = [start, major] if start.kind == str(EventKind.OPENED) and major is not None else [start]
    return [entry.as_event() for entry in missed]


def _opened(incident: Incident) -> IncidentEvent:
    """An OPENED for an incident whose timeline records none (a row written by hand): it must page all the same."""
    return incident_event(
        incident,
        event_id=deterministic_id(f"{incident.id}/unpaged", str(EventKind.OPENED)),
        kind=str(EventKind.OPENED),
        occurred_at=incident.opened_at,
        detail="opened",
        actor="system",
        origin="system",
    )
