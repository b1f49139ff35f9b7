"""I/O: the paging service — incident events and due escalation steps become outbox rows.

Two entry points, both synchronous (run them in a thread) and both one transaction:

* `handle_event` — the incident writer or a person changed an incident: start its escalation
  (with the policy snapshotted), restart it on reopen, stop it on acknowledge/resolve and tell
  those already paged, page the major-incident roles (`notify/paging_events.py`).
* `run_due_escalations` — the timer loop found escalation steps due: page the next level
  (`notify/escalation_steps.py`).

An escalation event (a resolution target breached, a runbook step overdue, a person escalating
from the desk) pages the next level at once, in the event's transaction; its rows carry the
event's id, so the same event handled twice escalates once. A drill incident pages only its
participants (`notify/routing.py drill_policy`), never the major-incident roles, and every
message about it carries the drill marker.

Nothing here sends: rows are written with a due time (`notify/page_writer.py`) and
`notify/dispatcher.py` sends them, so a crash between deciding and sending loses nothing. Every
row key is deterministic, so an event handled twice or a step re-run after a crash adds no
second page.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import sessionmaker

from incidents.events import IncidentEvent
from incidents.models import Incident
from notify import escalation, escalation_store
from notify.directory import Directory
from notify.escalation_steps import EscalationSteps
from notify.message_text import MessageText
from notify.page_writer import PageWriter
from notify.paging_events import EventHandlers


class Paging:
    """Decides pages from events and due escalation steps, against one paging directory."""

    def __init__(self, sessions: sessionmaker, directory: Directory, text: MessageText | None = None) -> None:
        self._sessions = sessions
        self._directory = directory
        writer = PageWriter(directory, text or MessageText())
        self._steps = EscalationSteps(directory, writer)
        self._events = EventHandlers(directory, writer, self._steps)

    @property
    def directory(self) -> Directory:
        """The people, schedules and policies pages are decided against."""
        return self._directory

    def handle_event(self, event: IncidentEvent, now: datetime) -> None:
        """Apply one incident event to the incident's escalation (idempotent)."""
        with self._sessions() as session, session.begin():
            incident = session.get(Incident, event.incident_id)
            if incident is not None:
                self._events.handle(session, incident, event, now)

    def run_due_escalations(self, now: datetime, limit: int = 100) -> int:
        """Page the next level of every escalation that is due; return how many were evaluated."""
        with self._sessions() as session, session.begin():
            rows = escalation_store.claim_due(session=session, now=now, limit=limit)
            for row in rows:
                self._steps.advance(session, row, now)
            return len(rows)

    def escalate_now(self, incident_id: int, now: datetime) -> bool:
        """Someone asked to escalate (keypress 2): the next level is due now. False if there is nothing to escalate."""
        with self._sessions() as session, session.begin():
            row = escalation_store.get(session=session, incident_id=incident_id, lock=True)
            if row is None or row.status == escalation.EscalationStatus.RESOLVED:
                return False
            escalation_store.save(row, escalation.escalate_now(escalation_store.state(row), now), now)
            return True
