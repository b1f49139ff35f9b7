"""I/O: handovers in the database — write one with its snapshot, acknowledge it, read them — in the caller's
transaction.

Writing and acknowledging each put one `handover` entry on the timeline of every incident in the
snapshot (detail "handover N written: …" / "handover N acknowledged by …"), recorded under the
command id `handover_command_id(N, step)`, so a repeated request finds its entries and returns them
instead of writing twice. Functions take `session` keyword-only and never commit.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from incidents.events import EventKind, IncidentEvent
from incidents.handover.models import Handover
from incidents.handover.rules import (
    Draft,
    HandoverConflict,
    HandoverNotFound,
    check_acknowledger,
    check_writer,
    snapshot,
)
from incidents.models import OPEN_STATUSES, Incident, TimelineEvent
from incidents.silences.codec import silence_to_json, window_to_json
from incidents.silences.store import list_silences, list_windows
from streams.alerts.maintenance import WindowState, next_occurrences, window_state
from streams.alerts.silences import SilenceState
from streams.clock import format_instant
from streams.ids import deterministic_id

#: The runbooks' unfinished steps (incident id, runbook, step title, status, since), read in the handover's
#: transaction; the composition passes `runbooks.queries.pending_steps` (alertdesk/reports.py).
PendingSteps = Callable[[Session], list[dict[str, Any]]]
#: Maintenance windows starting within this long after the handover are listed for the incoming shift.
UPCOMING = timedelta(hours=24)
WRITTEN, ACKNOWLEDGED = "written", "acknowledged"


def no_pending_steps(session: Session) -> list[dict[str, Any]]:
    """`PendingSteps` for a deployment without runbooks: nothing unfinished."""
    return []


def write_handover(
    *,
    session: Session,
    draft: Draft,
    writer: str,
    is_admin: bool,
    via: str,
    request_key: str,
    now: datetime,
    pending_steps: PendingSteps = no_pending_steps,
) -> tuple[Handover, list[IncidentEvent]]:
    """Write the handover of `draft` with a snapshot taken now; a repeated `request_key` returns the first one.

    Returns:
        The handover and the events to announce (one HANDOVER per open incident in the snapshot).

    Raises:
        HandoverForbidden: `writer` is not the outgoing person and not an admin.
        HandoverConflict: the shift (label and start) was already handed over, or `request_key` was
            used for a different shift.
    """
    existing = session.scalars(select(Handover).where(Handover.request_key == request_key)).first()
    if existing is not None:
        if (existing.shift_label, existing.shift_start) != (draft.shift_label, draft.shift_start):
            raise HandoverConflict(f"idempotency key {request_key!r} was already used for handover {existing.id}")
        return existing, _recorded(session, existing.id, WRITTEN)
    check_writer(writer, draft.outgoing, is_admin=is_admin)
    same_shift = session.scalars(
        select(Handover).where(Handover.shift_label == draft.shift_label, Handover.shift_start == draft.shift_start)
    ).first()
    if same_shift is not None:
        raise HandoverConflict(
            f"shift {draft.shift_label} from {format_instant(draft.shift_start)} was already handed over"
            f" (handover {same_shift.id} by {same_shift.written_by} at {format_instant(same_shift.written_at)})"
        )
    incidents = session.scalars(
        select(Incident).where(Incident.status.in_(OPEN_STATUSES)).order_by(Incident.priority, Incident.id)
    ).all()
    handover = Handover(
        request_key=request_key, shift_label=draft.shift_label, shift_start=draft.shift_start,
        shift_end=draft.shift_end, outgoing=draft.outgoing, incoming=draft.incoming, notes=draft.notes,
        written_at=now, written_by=writer, written_via=via,
        snapshot=snapshot(
            incidents=[_incident_item(row) for row in incidents],
            silences=[
                silence_to_json(item, now)
                for item in list_silences(session=session, now=now, state=SilenceState.ACTIVE)
            ],
            maintenance=_maintenance(session, now),
            runbook_steps=pending_steps(session),
            taken_at=now,
        ),
    )
    session.add(handover)
    session.flush()
    detail = f"handover {handover.id} written: {draft.shift_label} {draft.outgoing} → {draft.incoming}"
    return handover, _record(session, handover, incidents, WRITTEN, writer, via, now, detail)


def acknowledge_handover(
    *, session: Session, handover_id: int, actor: str, is_admin: bool, via: str, now: datetime
) -> tuple[Handover, list[IncidentEvent]]:
    """Acknowledge a handover as its incoming person (or an admin); the first acknowledgement stands.

    Returns:
        The handover and the events to announce: new ones, or those of the first acknowledgement.

    Raises:
        HandoverNotFound: no such handover.
        HandoverForbidden: `actor` is not the incoming person and not an admin.
    """
    handover = session.scalars(
        select(Handover).where(Handover.id == handover_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    if handover is None:
        raise HandoverNotFound(f"handover {handover_id} not found")
    check_acknowledger(actor, handover.incoming, is_admin=is_admin)
    if handover.acknowledged_at is not None:
        return handover, _recorded(session, handover.id, ACKNOWLEDGED)
    handover.acknowledged_at, handover.acknowledged_by = now, actor
    ids = [item["id"] for item in handover.snapshot.get("incidents", [])]
    incidents = session.scalars(select(Incident).where(Incident.id.in_(ids)).order_by(Incident.id)).all() if ids else []
    detail = (
        f"handover {handover.id} acknowledged by {actor}:"
        f" {handover.shift_label} {handover.outgoing} → {handover.incoming}"
    )
    return handover, _record(session, handover, incidents, ACKNOWLEDGED, actor, via, now, detail)


def get_handover(*, session: Session, handover_id: int) -> Handover | None:
    """One handover, or None."""
    return session.get(Handover, handover_id)


def list_handovers(
    *, session: Session, limit: int, offset: int, since: datetime | None = None, until: datetime | None = None
) -> tuple[list[Handover], int]:
    """One page of handovers of shifts starting in `[since, until)` (bounds optional), newest first, and the total.

    A handover belongs to its shift's time, not to its writing: the night shift of 30 November is
    November's even when it is written at 08:00 on 1 December.
    """
    where = []
    if since is not None:
        where.append(Handover.shift_start >= since)
    if until is not None:
        where.append(Handover.shift_start < until)
    total = session.scalar(select(func.count()).select_from(Handover).where(*where))
    rows = session.scalars(
        select(Handover).where(*where)
        .order_by(Handover.written_at.desc(), Handover.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), total


def handover_dict(handover: Handover) -> dict[str, Any]:
    """The handover as the API shows it."""
    return {
        "id": handover.id,
        "shift_label": handover.shift_label,
        "shift_start": format_instant(handover.shift_start),
        "shift_end": format_instant(handover.shift_end),
        "outgoing": handover.outgoing,
        "incoming": handover.incoming,
        "notes": handover.notes,
        "written_at": format_instant(handover.written_at),
        "written_by": handover.written_by,
        "written_via": handover.written_via,
        "acknowledged_at": None if handover.acknowledged_at is None else format_instant(handover.acknowledged_at),
        "acknowledged_by": handover.acknowledged_by,
        "snapshot": handover.snapshot,
    }


def handover_command_id(handover_id: int, step: str) -> str:
    """The timeline's command id of a handover's writing or acknowledgement."""
    return deterministic_id("handover", str(handover_id), step)


def _record(
    session: Session,
    handover: Handover,
    incidents: list[Incident],
    step: str,
    actor: str,
    via: str,
    now: datetime,
    detail: str,
) -> list[IncidentEvent]:
    """One HANDOVER timeline entry per incident, as incidents.actions writes its entries."""
    command_id = handover_command_id(handover.id, step)
    rows = [
        TimelineEvent(
            event_id=deterministic_id(command_id, str(incident.id)), incident=incident, command_id=command_id,
            kind=str(EventKind.HANDOVER), occurred_at=now, actor=actor, origin=via, detail=detail,
        )
        for incident in incidents
    ]
    session.add_all(rows)
    session.flush()
    return [row.as_event() for row in rows]


def _recorded(session: Session, handover_id: int, step: str) -> list[IncidentEvent]:
    """The events recorded the first time this handover was written or acknowledged."""
    rows = session.scalars(
        select(TimelineEvent)
        .where(TimelineEvent.command_id == handover_command_id(handover_id, step))
        .order_by(TimelineEvent.id)
    ).all()
    return [row.as_event() for row in rows]


def _incident_item(incident: Incident) -> dict[str, Any]:
    """What the incoming shift needs to know of an open incident."""
    return {
        "id": incident.id, "title": incident.title, "priority": incident.priority, "status": incident.status,
        "assignee": incident.assignee, "major": incident.major, "opened_at": format_instant(incident.opened_at),
        "drill": incident.drill,
    }


def _maintenance(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Windows running now or starting within `UPCOMING`, each with its state."""
    found = []
    for window in list_windows(session=session, include_cancelled=False):
        state = window_state(window, now)
        upcoming = next_occurrences(window, now, 1)
        soon = state is WindowState.SCHEDULED and bool(upcoming) and upcoming[0][0] < now + UPCOMING
        if state is WindowState.RUNNING or soon:
            found.append({**window_to_json(window), "state": str(state)})
    return found
