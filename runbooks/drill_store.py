"""I/O: open a drill's synthetic incident in the caller's transaction.

The incident is an ordinary row (so the board, the timeline and the pager see it) marked
`drill = true` with the people taking part in `drill_participants`: the pager pages only them,
every message marked as a drill. Its group key is unique per drill, so it never collides with a
real incident's group and correlation never attaches a real alert to it.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Sequence

from sqlalchemy.orm import Session

from incidents.events import EventKind, IncidentEvent
from incidents.models import Incident, TimelineEvent
from runbooks.model import Runbook
from streams.ids import deterministic_id

MAX_PARTICIPANTS = 50


class DrillError(ValueError):
    """The drill cannot start as asked; the message says why."""


def participants_of(raw: Sequence[str]) -> list[str]:
    """Clean person ids: stripped, unique, in order; at least one, at most `MAX_PARTICIPANTS`.

    Raises:
        DrillError: none given, too many, or one longer than 128 characters.
    """
    people = list(dict.fromkeys(p.strip() for p in raw if p and p.strip()))
    if not people:
        raise DrillError("a drill needs at least one participant (a person id of the paging directory)")
    if len(people) > MAX_PARTICIPANTS:
        raise DrillError(f"{len(people)} participants; at most {MAX_PARTICIPANTS}")
    too_long = [p for p in people if len(p) > 128]
    if too_long:
        raise DrillError(f"participant id {too_long[0][:40]!r}… is longer than 128 characters")
    return people


def open_drill_incident(
    *, session: Session, runbook: Runbook, participants: Sequence[str], actor: str, via: str, now: datetime,
    request_id: str,
) -> tuple[Incident, IncidentEvent]:
    """Create the drill's incident (triggered, P2, major so every role rehearses) and its OPENED entry."""
    people = participants_of(participants)
    categories = sorted(next((clause.categories for clause in runbook.trigger.match if clause.categories), ()))
    key = f"drill-{uuid.uuid5(uuid.NAMESPACE_URL, request_id).hex[:20]}"
    incident = Incident(
        incident_key=key,
        group_key=f"drill:{runbook.id}:{key}",
        title=f"【演练】{runbook.title.zh} / [DRILL] {runbook.title.en}",
        severity="critical",
        status="triggered",
        site="drill",
        alert_count=0,
        opened_at=now,
        updated_at=now,
        scope="drill",
        category=categories[0] if categories else "other",
        impact="high",
        urgency="high",
        priority="P2",
        major=True,
        major_reason=f"drill of runbook {runbook.id}",
        services=[],
        affected_count=0,
        drill=True,
        drill_participants=people,
    )
    session.add(incident)
    session.flush()
    entry = TimelineEvent(
        event_id=deterministic_id("drill", request_id, str(EventKind.OPENED)),
        incident=incident,
        command_id=deterministic_id("runbook", f"drill-{request_id}"),
        kind=str(EventKind.OPENED),
        occurred_at=now,
        actor=actor,
        origin=via,
        detail=f"drill of runbook {runbook.id} started by {actor}; participants: {', '.join(people)}",
    )
    session.add(entry)
    session.flush()
    return incident, entry.as_event()
