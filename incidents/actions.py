"""I/O: people's actions on an incident (acknowledge, resolve, close, reopen, assign, note, escalate, link)
in the caller's transaction; opening a reported incident is incidents/reported.py.

Each action locks the incident's row (`SELECT … FOR UPDATE` on PostgreSQL; SQLite lets one writer
at a time in), asks `incidents.lifecycle` whether it is allowed now, changes the row and writes
one timeline entry saying who (`actor`) did it from where (`origin`, the `via` of the event).
So when two people acknowledge at once, the second one waits for the first one's commit, then
reads "acknowledged" and is refused with the first one's name.

Actions are idempotent on `request_id` (the API's `Idempotency-Key`, an SMS's message id): the
entry is recorded under `command_id = action_command_id(request_id)` and a second call with the
same request id returns the recorded events and writes nothing, so a retried request never
acknowledges or notes twice. Event ids are `deterministic_id(request_id, kind)`.
Functions take the session keyword-only and never commit: the caller owns the transaction.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from incidents.action_inputs import (
    ActionError,
    IdempotencyKeyReused,
    IncidentNotFound,
    action_command_id,
    bounded,
    free_text,
    via_of,
)
from incidents.events import EventKind, IncidentEvent
from incidents.lifecycle import (
    Action,
    IllegalTransition,
    LastChange,
    Status,
    allowed_actions,
    check_assignee,
    next_status,
)
from incidents.models import OPEN_STATUSES, Incident, IncidentLink, TimelineEvent
from streams.ids import deterministic_id

# The timeline entry each action writes, and the one that put an incident in each status.
_KINDS = {
    Action.ACKNOWLEDGE: EventKind.ACKNOWLEDGED,
    Action.RESOLVE: EventKind.RESOLVED,
    Action.CLOSE: EventKind.CLOSED,
    Action.REOPEN: EventKind.REOPENED,
    Action.ASSIGN: EventKind.ASSIGNED,
    Action.NOTE: EventKind.NOTE_ADDED,
    Action.ESCALATE: EventKind.ESCALATED,
    Action.LINK: EventKind.LINKED,
}
_ENTERED_BY = {
    Status.TRIGGERED: (EventKind.OPENED, EventKind.REOPENED),
    Status.ACKNOWLEDGED: (EventKind.ACKNOWLEDGED,),
    Status.RESOLVED: (EventKind.RESOLVED,),
    Status.CLOSED: (EventKind.CLOSED,),
}


def acknowledge(
    *, session: Session, incident_id: int, actor: str, via: str, now: datetime, request_id: str, note: str = ""
) -> list[IncidentEvent]:
    """Acknowledge a triggered incident: someone is on it, so escalation can stop.

    Args:
        session: an open session; flushed, never committed.
        incident_id: the incident.
        actor: who (a person's id).
        via: from where: ui, api, cli, sms, phone or system.
        now: the time of the action (aware UTC).
        request_id: the idempotency key of this request.
        note: optional words for the timeline.

    Returns:
        The events to announce on `incidents.events` (one ACKNOWLEDGED), or those recorded the first
        time for this request id.

    Raises:
        IncidentNotFound: if there is no such incident.
        incidents.lifecycle.IllegalTransition: if the incident is not triggered (the message names
            who acknowledged it first, when and via what).
        IdempotencyKeyReused: if `request_id` was used for another action or incident.
        ActionError: if the actor, via, request id or note is not acceptable.
    """

    def change(incident: Incident, by: str) -> str:
        incident.acknowledged_at = now
        incident.acknowledged_by = by
        return free_text(note, "note") or "acknowledged"

    return _act(session, incident_id, Action.ACKNOWLEDGE, actor, via, now, request_id, change)


def resolve(
    *, session: Session, incident_id: int, actor: str, via: str, now: datetime, request_id: str, note: str = ""
) -> list[IncidentEvent]:
    """Resolve a triggered or acknowledged incident (arguments, returns and errors as `acknowledge`)."""

    def change(incident: Incident, _by: str) -> str:
        incident.resolved_at = now
        return free_text(note, "note") or "resolved"

    return _act(session, incident_id, Action.RESOLVE, actor, via, now, request_id, change)


def close(
    *, session: Session, incident_id: int, actor: str, via: str, now: datetime, request_id: str, note: str = ""
) -> list[IncidentEvent]:
    """Close a resolved incident for good (arguments, returns and errors as `acknowledge`)."""

    def change(incident: Incident, _by: str) -> str:
        incident.closed_at = now
        return free_text(note, "note") or "closed"

    return _act(session, incident_id, Action.CLOSE, actor, via, now, request_id, change)


def reopen(
    *, session: Session, incident_id: int, actor: str, via: str, now: datetime, request_id: str, note: str = ""
) -> list[IncidentEvent]:
    """Reopen a resolved incident: it is triggered again and nobody has acknowledged it (as `acknowledge`).

    Refused (`IllegalTransition`) when its group has opened another incident since: one open incident per group.
    """

    def change(incident: Incident, _by: str) -> str:
        newer = session.scalars(
            select(Incident).where(
                Incident.group_key == incident.group_key, Incident.status.in_(OPEN_STATUSES), Incident.id != incident.id
            )
        ).first()
        if newer is not None:
            raise IllegalTransition(
                f"cannot reopen: incident {incident.id}'s alerts are already on open incident {newer.id}"
                f" ({newer.title}); work on that one"
            )
        incident.resolved_at = None
        incident.acknowledged_at = None
        incident.acknowledged_by = None
        return free_text(note, "note") or "reopened"

    return _act(session, incident_id, Action.REOPEN, actor, via, now, request_id, change)


def assign(
    *, session: Session, incident_id: int, actor: str, via: str, now: datetime, request_id: str, assignee: str
) -> list[IncidentEvent]:
    """Assign an incident that is not closed to a person or a group (ids as free strings for now).

    Raises (besides those of `acknowledge`):
        incidents.lifecycle.IllegalTransition: if it is already assigned to `assignee`.
        ActionError: if `assignee` is blank or longer than `MAX_NAME`.
    """

    def change(incident: Incident, _by: str) -> str:
        wanted = check_assignee(incident.assignee, bounded(assignee, "assignee"), incident_id=incident.id)
        before, incident.assignee = incident.assignee, wanted
        return f"assigned to {wanted}" + (f" (was {before})" if before else "")

    return _act(session, incident_id, Action.ASSIGN, actor, via, now, request_id, change)


def add_note(
    *, session: Session, incident_id: int, actor: str, via: str, now: datetime, request_id: str, text: str
) -> list[IncidentEvent]:
    """Add a note to the timeline of an incident that is not closed (as `acknowledge`; `text` must not be blank)."""

    def change(_incident: Incident, _by: str) -> str:
        words = free_text(text, "text")
        if not words:
            raise ActionError("text: the note is blank")
        return words

    return _act(session, incident_id, Action.NOTE, actor, via, now, request_id, change)


def escalate(
    *, session: Session, incident_id: int, actor: str, via: str, now: datetime, request_id: str, note: str = ""
) -> list[IncidentEvent]:
    """Escalate an open incident by hand: the pager pages the next level now instead of waiting out its delay.

    Arguments, returns and errors as `acknowledge`; refused (`IllegalTransition`) once it is resolved.
    """

    def change(_incident: Incident, _by: str) -> str:
        return free_text(note, "note") or "escalated by hand"

    return _act(session, incident_id, Action.ESCALATE, actor, via, now, request_id, change)


def link(
    *, session: Session, incident_id: int, actor: str, via: str, now: datetime, request_id: str, other_id: int,
    note: str = "",
) -> list[IncidentEvent]:
    """Say an incident that is not closed is related to `other_id` (any status: history counts too).

    The link is one row per pair whichever side it was made from; the timeline entry is on `incident_id`.

    Raises (besides those of `acknowledge`):
        IncidentNotFound: if `other_id` does not exist.
        incidents.lifecycle.IllegalTransition: if the two are already linked.
        ActionError: if `other_id` is the incident itself.
    """

    def change(incident: Incident, by: str) -> str:
        if other_id == incident.id:
            raise ActionError(f"other_id: incident {other_id} cannot be linked to itself")
        if session.get(Incident, other_id) is None:
            raise IncidentNotFound(f"incident {other_id} not found")
        low, high = sorted((incident.id, other_id))
        pair = (IncidentLink.incident_id == low) & (IncidentLink.other_id == high)
        if session.scalars(select(IncidentLink).where(pair)).first() is not None:
            raise IllegalTransition(f"cannot link: incidents {low} and {high} are already linked")
        words = free_text(note, "note")
        session.add(IncidentLink(incident_id=low, other_id=high, created_by=by, created_at=now, note=words))
        return f"linked to #{other_id}" + (f": {words}" if words else "")

    return _act(session, incident_id, Action.LINK, actor, via, now, request_id, change)


def _act(
    session: Session,
    incident_id: int,
    action: Action,
    actor: str,
    via: str,
    now: datetime,
    request_id: str,
    change: Callable[[Incident, str], str],
) -> list[IncidentEvent]:
    """Lock the incident, replay or check the action, apply `change(incident, actor)`, record the detail it returns."""
    actor, via = bounded(actor, "actor"), via_of(via)
    if not request_id or not request_id.strip():
        raise ActionError("request_id: an idempotency key is required (the service generates one when none is given)")
    incident = session.scalars(
        select(Incident).where(Incident.id == incident_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    if incident is None:
        raise IncidentNotFound(f"incident {incident_id} not found")
    kind = _KINDS[action]
    command_id = action_command_id(request_id)
    recorded = session.scalars(
        select(TimelineEvent).where(TimelineEvent.command_id == command_id).order_by(TimelineEvent.id)
    ).all()
    if recorded:
        if any(row.incident_id != incident_id or row.kind != kind for row in recorded):
            first = recorded[0]
            raise IdempotencyKeyReused(
                f"idempotency key {request_id!r} was already used for {first.kind} of incident {first.incident_id};"
                " send a new key for a new request"
            )
        return [row.as_event() for row in recorded]
    last = None if action in allowed_actions(incident.status) else _last_change(session, incident)
    following = next_status(incident.status, action, incident_id=incident.id, last=last)
    detail = change(incident, actor)
    incident.status = str(following)
    incident.updated_at = now
    row = TimelineEvent(
        event_id=deterministic_id(request_id, str(kind)),
        incident=incident,
        command_id=command_id,
        kind=str(kind),
        occurred_at=now,
        actor=actor,
        origin=via,
        detail=detail,
    )
    session.add(row)
    session.flush()
    return [row.as_event()]


def _last_change(session: Session, incident: Incident) -> LastChange | None:
    """Who put the incident in its current status, from its newest timeline entry of that kind."""
    kinds = [str(kind) for kind in _ENTERED_BY.get(Status(incident.status), ())]
    row = session.scalars(
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident.id, TimelineEvent.kind.in_(kinds))
        .order_by(TimelineEvent.id.desc())
    ).first()
    return LastChange(actor=row.actor, via=row.origin, at=row.occurred_at) if row is not None else None
