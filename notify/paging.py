"""I/O: the paging service — incident events and due escalation steps become outbox rows.

Two entry points, both synchronous (run them in a thread) and both one transaction:

* `handle_event` — the incident writer or a person changed an incident: start its escalation
  (with the policy snapshotted), restart it on reopen, stop it on acknowledge/resolve and tell
  those already paged, page the major-incident roles.
* `run_due_escalations` — the timer loop found escalation steps due: page the next level.

An escalation event (a resolution target breached, a runbook step overdue, a person escalating
from the desk) pages the next level at once, in the event's transaction; its rows carry the
event's id, so the same event handled twice escalates once. A drill incident pages only its
participants (`notify/routing.py drill_policy`), never the major-incident roles, and every
message about it carries the drill marker.

Nothing here sends: rows are written with a due time and `notify/dispatcher.py` sends them, so
a crash between deciding and sending loses nothing. Every row key is deterministic, so an event
handled twice or a step re-run after a crash adds no second page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping, Sequence

from sqlalchemy.orm import Session, sessionmaker

from incidents.events import EventKind, IncidentEvent
from incidents.models import Incident
from notify import escalation, escalation_store, outbox
from notify.directory import Directory, EscalationPolicy
from notify.models import OutboxMessage
from notify.notifications import PAGING_PURPOSES, PlannedMessage, Purpose, page_key, plan_notice, plan_person
from notify.render import render
from notify.routing import drill_policy, policy_for
from notify.sms_text import fit_sms
from notify.targets import people_for
from streams.correlation.commands import deterministic_id


@dataclass(frozen=True)
class MessageText:
    """How messages read: the incident link base (the web UI) and the renderer (templates by language)."""

    link_base: str = ""
    renderer: Callable[[str, Mapping[str, Any], str], str] = render

    def body(self, template: str, channel: str, context: Mapping[str, Any], language: str) -> str:
        """The text of one message; SMS keeps within its segment budget and always keeps the link."""
        link = f"{self.link_base.rstrip('/')}/api/incidents/{context['incident_id']}" if self.link_base and context.get("incident_id") else ""
        if channel == "sms":
            return fit_sms(self.renderer(template, {**context, "link": ""}, language), link=link)
        return self.renderer(template, {**context, "link": link}, language)


class Paging:
    """Decides pages from events and due escalation steps, against one paging directory."""

    def __init__(self, sessions: sessionmaker, directory: Directory, text: MessageText | None = None) -> None:
        self._sessions = sessions
        self._directory = directory
        self._text = text or MessageText()

    @property
    def directory(self) -> Directory:
        """The people, schedules and policies pages are decided against."""
        return self._directory

    def handle_event(self, event: IncidentEvent, now: datetime) -> None:
        """Apply one incident event to the incident's escalation (idempotent)."""
        with self._sessions() as session, session.begin():
            incident = session.get(Incident, event.incident_id)
            if incident is None:
                return
            handler = _EVENT_HANDLERS.get(event.kind)
            if handler is not None:
                handler(self, session, incident, event, now)

    def run_due_escalations(self, now: datetime, limit: int = 100) -> int:
        """Page the next level of every escalation that is due; return how many were evaluated."""
        with self._sessions() as session, session.begin():
            rows = escalation_store.claim_due(session=session, now=now, limit=limit)
            for row in rows:
                self._advance(session, row, now)
            return len(rows)

    def escalate_now(self, incident_id: int, now: datetime) -> bool:
        """Someone asked to escalate (keypress 2): the next level is due now. False if there is nothing to escalate."""
        with self._sessions() as session, session.begin():
            row = escalation_store.get(session=session, incident_id=incident_id, lock=True)
            if row is None or row.status == escalation.EscalationStatus.RESOLVED:
                return False
            escalation_store.save(row, escalation.escalate_now(escalation_store.state(row), now), now)
            return True

    def _advance(self, session: Session, row: Any, now: datetime, asked_by: str | None = None) -> None:
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
        self._write(
            session, incident, planned, purpose=Purpose.PAGE, cycle=row.cycle, step=result.page.step,
            event_id=event_id, reason=str(result.page.reason), now=now,
        )

    def _write(
        self,
        session: Session,
        incident: Incident,
        planned: Sequence[PlannedMessage],
        *,
        purpose: Purpose,
        cycle: int,
        step: int,
        event_id: str,
        now: datetime,
        reason: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> list[OutboxMessage]:
        """Render and insert the planned messages (idempotent on their keys)."""
        context = {**incident_context(incident), **(extra or {})}
        rows = [
            self._row(incident.id, message, purpose, cycle, step, event_id, context, incident.priority, reason, now)
            for message in planned
        ]
        return outbox.insert_messages(session=session, messages=rows)

    def _row(
        self,
        incident_id: int | None,
        message: PlannedMessage,
        purpose: Purpose,
        cycle: int,
        step: int,
        event_id: str,
        context: Mapping[str, Any],
        priority: str,
        reason: str | None,
        now: datetime,
    ) -> OutboxMessage:
        """One outbox row for a planned message, sendable or recorded as not sent."""
        template = "voice" if message.channel == "voice" and purpose in (Purpose.PAGE, Purpose.MAJOR) else _TEMPLATES[purpose]
        status = outbox.OutboxStatus.NOT_SENT if message.not_sent else outbox.OutboxStatus.PENDING
        return OutboxMessage(
            page_key=page_key(
                incident_id=incident_id, cycle=cycle, purpose=purpose, step=step, person=message.person,
                contact=message.contact, attempt=1,
            ),
            incident_id=incident_id,
            event_id=event_id,
            purpose=str(purpose),
            cycle=cycle,
            escalation_level=step,
            recipient=message.person,
            contact=message.contact,
            channel=message.channel or "none",
            address=message.address,
            language=message.language,
            priority=priority,
            attempt=1,
            body=self._text.body(template, message.channel, context, message.language),
            status=str(status),
            reason=str(message.not_sent) if message.not_sent else reason,
            due_at=message.due_at,
            tries=0,
            created_at=now,
        )

    def _policy(self, incident: Incident) -> EscalationPolicy:
        """The routed policy, or for a drill one level paging only its participants."""
        routed = policy_for(self._directory, incident_fields(incident))
        return drill_policy(incident.drill_participants or (), routed) if incident.drill else routed

    def _on_opened(self, session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> None:
        """Start escalating with the routed policy, snapshotted; the first level is due at once."""
        policy = self._policy(incident)
        escalation_store.begin(session=session, incident_id=incident.id, policy=policy, priority=incident.priority, now=now)

    def _on_reopened(self, session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> None:
        """A reopened incident pages again from the first level, as a new cycle."""
        row = escalation_store.get(session=session, incident_id=incident.id, lock=True)
        policy = self._policy(incident)
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
        extra = {"actor": self._display_name(actor), "via": event.via, **context}
        self._write(session, incident, notices, purpose=purpose, cycle=cycle, step=0, event_id=event.event_id, now=now, extra=extra)

    def _on_escalation(self, session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> None:
        """Page the next level now: resolution target breached, runbook step overdue, or escalated by hand."""
        reason = _escalation_reason(event)
        if reason is None or outbox.has_event(session=session, incident_id=incident.id, event_id=event.event_id):
            return
        row = escalation_store.get(session=session, incident_id=incident.id, lock=True)
        if row is None or row.status == escalation.EscalationStatus.RESOLVED:
            return
        escalation_store.save(row, escalation.escalate_now(escalation_store.state(row), now, reason), now)
        self._advance(session, row, now, asked_by=event.event_id)

    def _on_major(self, session: Session, incident: Incident, event: IncidentEvent, now: datetime) -> None:
        """A major incident pages the configured roles (incident commander, duty manager) at once; a drill does not."""
        if incident.drill:
            return
        row = escalation_store.get(session=session, incident_id=incident.id)
        cycle = row.cycle if row is not None else 1
        people = people_for(self._directory, self._directory.major_targets, now)
        planned = [m for person in people for m in plan_person(person, self._directory.people, start=now, priority="P1")]
        self._write(session, incident, planned, purpose=Purpose.MAJOR, cycle=cycle, step=0, event_id=event.event_id, now=now, reason="major")

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

    def _display_name(self, person_id: str) -> str:
        """A person's name for messages (their id if unknown)."""
        person = self._directory.people.get(person_id)
        return person.name if person else person_id


_TEMPLATES: Mapping[Purpose, str] = {
    Purpose.PAGE: "page",
    Purpose.MAJOR: "page",
    Purpose.ACKNOWLEDGED: "acknowledged",
    Purpose.RESOLVED: "resolved",
    Purpose.MERGED: "merged",
    Purpose.HANDOFF: "handoff",
}

_EVENT_HANDLERS: Mapping[EventKind, Callable[[Paging, Session, Incident, IncidentEvent, datetime], None]] = {
    EventKind.OPENED: Paging._on_opened,
    EventKind.REOPENED: Paging._on_reopened,
    EventKind.ACKNOWLEDGED: Paging._on_acknowledged,
    EventKind.RESOLVED: Paging._on_resolved,
    EventKind.CLOSED: Paging._on_resolved,
    EventKind.MERGED: Paging._on_merged,
    EventKind.MAJOR_DECLARED: Paging._on_major,
    EventKind.PRIORITY_CHANGED: Paging._on_priority,
    EventKind.NOTE_ADDED: Paging._on_progress,
    EventKind.SLA_BREACHED: Paging._on_escalation,
    EventKind.RUNBOOK_STEP_OVERDUE: Paging._on_escalation,
    EventKind.ESCALATED: Paging._on_escalation,
}


def _escalation_reason(event: IncidentEvent) -> escalation.StepReason | None:
    """Why this event escalates, or None: only a breached *resolution* target escalates (response is paging's own job)."""
    if event.kind is EventKind.SLA_BREACHED:
        return escalation.StepReason.SLA_BREACHED if event.detail == "resolution" else None
    if event.kind is EventKind.RUNBOOK_STEP_OVERDUE:
        return escalation.StepReason.STEP_OVERDUE
    return escalation.StepReason.ESCALATED_BY_HAND


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


def incident_context(incident: Incident) -> dict[str, Any]:
    """The template variables every message about an incident has."""
    return {
        "incident_id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "priority": incident.priority,
        "major": incident.major,
        "site": incident.site,
        "alert_count": incident.alert_count,
        "root": incident.root_name or incident.root_component,
        "status": incident.status,
        "detail": incident.major_reason or "",
        "short_code": "",
        "drill": bool(incident.drill),
    }
