"""I/O: one escalation step — evaluate an incident's due escalation row and write the pages it decides.

The step re-reads the incident (the system of record): a resolved or closed incident stops
paging even if its "resolved" event was lost, and an acknowledged one stops the timer's steps
even if its "acknowledged" event is late. The decision itself is pure (`notify/escalation.py`);
this shell reads, saves the new state and hands the pages to the `PageWriter`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from incidents.models import Incident
from notify import escalation, escalation_store
from notify.directory import Directory, EscalationPolicy
from notify.models import Escalation
from notify.notifications import Purpose, plan_person
from notify.page_writer import PageWriter
from notify.routing import drill_policy, policy_for
from notify.targets import people_for
from streams.correlation.commands import deterministic_id


class EscalationSteps:
    """Advances escalations against one paging directory, writing their pages through `writer`."""

    def __init__(self, directory: Directory, writer: PageWriter) -> None:
        self._directory = directory
        self._writer = writer

    def policy(self, incident: Incident) -> EscalationPolicy:
        """The routed policy, or for a drill one level paging only its participants."""
        routed = policy_for(self._directory, incident_fields(incident))
        return drill_policy(incident.drill_participants or (), routed) if incident.drill else routed

    def advance(self, session: Session, row: Escalation, now: datetime, asked_by: str | None = None) -> None:
        """Evaluate one due escalation row and write the pages it decides.

        `asked_by` is the id of the event that asked for this step (an escalation of an acknowledged
        incident is meant); without it, the step is the timer's.
        """
        incident = session.get(Incident, row.incident_id)
        if incident is None or incident.status in ("resolved", "closed"):
            # The database is the system of record: a lost "resolved" event must not keep paging.
            escalation_store.save(row, escalation.resolve(escalation_store.state(row)), now)
            return
        current = escalation_store.state(row)
        lost_ack = incident.status == "acknowledged" and current.status is escalation.EscalationStatus.ACTIVE
        if lost_ack and asked_by is None:
            current = escalation.acknowledge(current, now)  # the acknowledgement's event was lost or is late
        result = escalation.advance(
            current, now=now, people_for=lambda targets, at: people_for(self._directory, targets, at)
        )
        escalation_store.save(row, result.state, now)
        if result.page is None:
            return
        event_id = asked_by or deterministic_id(f"{incident.id}/{row.cycle}/step/{result.page.step}", "page")
        planned = [
            message
            for person in result.page.people
            for message in plan_person(person, self._directory.people, start=now, priority=incident.priority)
        ]
        self._writer.write(
            session, incident, planned, purpose=Purpose.PAGE, cycle=row.cycle, step=result.page.step,
            event_id=event_id, reason=str(result.page.reason), now=now,
        )


def incident_fields(incident: Incident) -> dict[str, Any]:
    """The incident fields routes match on."""
    return {
        "site": incident.site,
        "category": incident.category,
        "priority": incident.priority,
        "major": incident.major,
        "root_kind": incident.root_kind or "",
        "services": list(incident.services or ()),
    }
