"""I/O: incidents reported by people — a phone call to the desk — opened by hand in the caller's transaction.

Priority is impact x urgency through the ITIL matrix correlation uses, a P1 is major, the SLA deadlines
are set like any other incident's; from then on it lives the same life as an incident opened by alerts.
Idempotent on `request_id` like every person's action (incidents/actions.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from incidents.action_inputs import ActionError, IdempotencyKeyReused, action_command_id, bounded, free_text, via_of
from incidents.events import EventKind, IncidentEvent
from incidents.lifecycle import Status
from incidents.models import Incident, TimelineEvent
from incidents.sla.store import apply_deadlines
from incidents.sla.targets import DEFAULT_POLICY, SlaPolicy
from streams.alerts.model import Severity
from streams.correlation.priority import DEFAULT_MATRIX, LEVELS
from streams.ids import deterministic_id

# A reported incident's severity, for the lists and pages that show one: how urgent the reporter said it is.
_SEVERITY_OF_URGENCY = MappingProxyType({"high": Severity.CRITICAL, "medium": Severity.MAJOR, "low": Severity.MINOR})


@dataclass(frozen=True)
class Report:
    """An incident a person reports (a phone call to the desk): what is wrong, and how bad, in ITIL terms."""

    title: str
    category: str = "other"
    impact: str = "low"  # high, medium, low
    urgency: str = "low"  # high, medium, low
    site: str = ""
    services: tuple[str, ...] = ()
    description: str = ""


def report(
    *, session: Session, report: Report, actor: str, via: str, now: datetime, request_id: str,
    matrix: Mapping[tuple[str, str], str] = DEFAULT_MATRIX, sla: SlaPolicy = DEFAULT_POLICY,
) -> list[IncidentEvent]:
    """Open a triggered incident for a person's report; it then lives the same life as one opened by alerts.

    Its priority is `matrix[impact, urgency]` (the same ITIL matrix correlation uses); a P1 is major; its SLA
    deadlines follow `sla` like any other incident's. The
    incident key derives from `request_id`, so a retried report opens one incident. Returns the OPENED
    event (and MAJOR_DECLARED for a P1), or those recorded the first time for this request id.

    Raises:
        ActionError: a blank title, an unknown impact or urgency, or a bad actor, via or request id.
        IdempotencyKeyReused: if `request_id` was already used for another action.
    """
    actor, via = bounded(actor, "actor"), via_of(via)
    title = free_text(report.title, "title")
    if not title:
        raise ActionError("title: say what is wrong, it is blank")
    for field, level in (("impact", report.impact), ("urgency", report.urgency)):
        if level not in LEVELS:
            raise ActionError(f"{field}: {level!r} is not one of {', '.join(LEVELS)}")
    command_id = action_command_id(request_id)
    recorded = session.scalars(select(TimelineEvent).where(TimelineEvent.command_id == command_id).order_by(TimelineEvent.id)).all()
    if recorded:
        if recorded[0].kind != str(EventKind.OPENED):
            raise IdempotencyKeyReused(f"idempotency key {request_id!r} was already used for {recorded[0].kind}")
        return [row.as_event() for row in recorded]
    key = deterministic_id("reported", request_id)
    priority = matrix[(report.impact, report.urgency)]
    major = priority == "P1"
    incident = Incident(
        incident_key=key, group_key=f"reported:{key}", title=title[:512], severity=str(_SEVERITY_OF_URGENCY[report.urgency]),
        status=str(Status.TRIGGERED), site=report.site, scope=report.site, alert_count=0, opened_at=now, updated_at=now,
        category=report.category or "other", impact=report.impact, urgency=report.urgency, priority=priority,
        major=major, major_reason="reported as P1" if major else None, services=list(report.services),
        reported_by=actor,
    )
    apply_deadlines(incident, sla)
    session.add(incident)
    description = free_text(report.description, "description")
    kinds = [(EventKind.OPENED, f"reported by {actor}" + (f": {description}" if description else ""))]
    if major:
        kinds.append((EventKind.MAJOR_DECLARED, "reported as P1"))
    rows = [
        TimelineEvent(
            event_id=deterministic_id(request_id, str(kind)), incident=incident, command_id=command_id, kind=str(kind),
            occurred_at=now, actor=actor, origin=via, detail=detail,
        )
        for kind, detail in kinds
    ]
    session.add_all(rows)
    session.flush()
    return [row.as_event() for row in rows]
