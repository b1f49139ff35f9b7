"""I/O: what each incident event does to the incident's escalation, in the caller's transaction.

OPENED starts escalating (policy snapshotted), REOPENED restarts as a new cycle, ACKNOWLEDGED /
RESOLVED / CLOSED / MERGED stop it and tell those already paged, MAJOR_DECLARED pages the
major-incident roles (never for a drill), PRIORITY_CHANGED keeps the escalation's priority
current, a note is progress, and an escalation event (resolution target breached, runbook step
overdue, escalated by hand) pages the next level now. The rows of an escalation event carry the
event's id, so the same event handled twice escalates once.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

from incidents.events import EventKind, IncidentEvent
from incidents.models import Incident
from notify import escalation, escalation_store, outbox
from notify.directory import Directory
from notify.escalation_steps import EscalationSteps
from notify.notifications import PAGING_PURPOSES, Purpose, plan_notice, plan_person
from notify.page_writer import PageWriter
from notify.targets import people_for


class EventHandlers:
    """Applies incident events to escalations against one paging directory."""

    def __init__(self, directory: Directory, writer: PageWriter, steps: EscalationSteps) -> None:
        self._directory = directory
        self._writer = writer
        self._steps = steps

    @staticmethod
    def follows(kind: EventKind) -> bool:
        """Whether events of `kind` change anything here (the others need no transaction at all)."""
        return kind in _EVENT_HANDLERS

    def handle(self, session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> None:
        """Apply one event to its incident's escalation (idempotent); kinds paging does not follow are ignored."""
        handler = _EVENT_HANDLERS.get(event.kind)
        if handler is not None:
            handler(self, session, incident, event, now)

    def _on_opened(self, session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> None:
        """Start escalating with the routed policy, snapshotted; the first level is due at once."""
        policy = self._steps.policy(incident)
        escalation_store.begin(session=session, incident_id=incident.id, policy=policy, priority=incident.priority, now=now)

    def _on_reopened(self, session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> None:
        """A reopened incident pages again from the first level, as a new cycle."""
        row = escalation_store.get(session=session, incident_id=incident.id, lock=True)
        policy = self._steps.policy(incident)
        if row is None:
            escalation_store.begin(session=session, incident_id=incident.id, policy=policy, priority=incident.priority, now=now)
        elif row.status in (escalation.EscalationStatus.RESOLVED, escalation.EscalationStatus.EXHAUSTED):
            escalation_store.restart(row=row, policy=policy, priority=incident.priority, now=now)

    def _on_acknowledged(self, session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> None:
        """Stop paging, cancel what is still waiting, and tell everyone already paged who has it."""
        row = escalation_store.get(session=session, incident_id=incident.id, lock=True)
        if row is None:
            return
        escalation_store.save(row, escalation.acknowledge(escalation_store.state(row), now), now)
        self._close_out(session, incident, row.cycle, event, Purpose.ACKNOWLEDGED, now)

    def _on_resolved(self, session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> None:
        """Stop paging and tell everyone already paged that it is over."""
        row = escalation_store.get(session=session, incident_id=incident.id, lock=True)
        if row is None:
            return
        escalation_store.save(row, escalation.resolve(escalation_store.state(row)), now)
        self._close_out(session, incident, row.cycle, event, Purpose.RESOLVED, now)

    def _on_merged(self, session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> None:
        """The absorbed incident of a merge: stop paging it and tell those paged to follow the survivor.

        The survivor gets a MERGED event too; its paging simply goes on.
        """
        if incident.merged_into is None:
            return
        row = escalation_store.get(session=session, incident_id=incident.id, lock=True)
        if row is None:
            return
        escalation_store.save(row, escalation.resolve(escalation_store.state(row)), now)
        self._close_out(session, incident, row.cycle, event, Purpose.MERGED, now, survivor=incident.merged_into)

    def _close_out(
        self, session: Session, incident: Incident, cycle: int, event: IncidentEvent, purpose: Purpose, now: datetime,
        **context: Any,
    ) -> None:
        """Cancel waiting pages and notify the people paged in this cycle (except whoever acted); `context` for the text."""
        outbox.cancel_pending(session=session, incident_id=incident.id, purposes=PAGING_PURPOSES, reason=str(purpose), now=now)
        actor = event.actor
        notices = [
            plan_notice(person, self._directory.people, at=now)
            for person in outbox.people_paged(session=session, incident_id=incident.id, cycle=cycle)
            if person != actor
        ]
        extra = {"actor": self._writer.name_of(actor), "via": event.via, **context}
        self._writer.write(
            session, incident, notices, purpose=purpose, cycle=cycle, step=0, event_id=event.event_id, now=now, extra=extra
        )

    def _on_escalation(self, session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> None:
        """Page the next level now: resolution target breached, runbook step overdue, or escalated by hand."""
        reason = _escalation_reason(event)
        if reason is None or outbox.has_event(session=session, incident_id=incident.id, event_id=event.event_id):
            return
        row = escalation_store.get(session=session, incident_id=incident.id, lock=True)
        if row is None or row.status == escalation.EscalationStatus.RESOLVED:
            return
        escalation_store.save(row, escalation.escalate_now(escalation_store.state(row), now, reason), now)
        self._steps.advance(session, row, now, asked_by=event.event_id)

    def _on_major(self, session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> None:
        """A major incident pages the configured roles (incident commander, duty manager) at once; a drill does not."""
        if incident.drill:
            return
        row = escalation_store.get(session=session, incident_id=incident.id)
        cycle = row.cycle if row is not None else 1
        people = people_for(self._directory, self._directory.major_targets, now)
        planned = [m for person in people for m in plan_person(person, self._directory.people, start=now, priority="P1")]
        self._writer.write(
            session, incident, planned, purpose=Purpose.MAJOR, cycle=cycle, step=0, event_id=event.event_id, now=now,
            reason="major",
        )

    def _on_priority(self, session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> None:
        """Keep the escalation's priority current (P1 skips quiet hours and rate limits)."""
        row = escalation_store.get(session=session, incident_id=incident.id)
        if row is not None:
            row.priority = incident.priority

    def _on_progress(self, session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> None:
        """A note (or runbook step) is progress: restart the acknowledged incident's no-progress wait."""
        row = escalation_store.get(session=session, incident_id=incident.id, lock=True)
        if row is not None:
            escalation_store.save(row, escalation.record_progress(escalation_store.state(row), now), now)


_EVENT_HANDLERS: Mapping[EventKind, Callable[[EventHandlers, Session, Incident, IncidentEvent, datetime], None]] = {
    EventKind.OPENED: EventHandlers._on_opened,
    EventKind.REOPENED: EventHandlers._on_reopened,
    EventKind.ACKNOWLEDGED: EventHandlers._on_acknowledged,
    EventKind.RESOLVED: EventHandlers._on_resolved,
    EventKind.CLOSED: EventHandlers._on_resolved,
    EventKind.MERGED: EventHandlers._on_merged,
    EventKind.MAJOR_DECLARED: EventHandlers._on_major,
    EventKind.PRIORITY_CHANGED: EventHandlers._on_priority,
    EventKind.NOTE_ADDED: EventHandlers._on_progress,
    EventKind.SLA_BREACHED: EventHandlers._on_escalation,
    EventKind.RUNBOOK_STEP_OVERDUE: EventHandlers._on_escalation,
    EventKind.ESCALATED: EventHandlers._on_escalation,
}


def _escalation_reason(event: IncidentEvent) -> escalation.StepReason | None:
    """Why this event escalates, or None: only a breached *resolution* target escalates (response is paging's own job)."""
    if event.kind is EventKind.SLA_BREACHED:
        return escalation.StepReason.SLA_BREACHED if event.detail == "resolution" else None
    if event.kind is EventKind.RUNBOOK_STEP_OVERDUE:
        return escalation.StepReason.STEP_OVERDUE
    return escalation.StepReason.ESCALATED_BY_HAND
