"""I/O: the paging service — incident events and due escalation steps become outbox rows.

Two entry points, both synchronous (run them in a thread) and both one transaction:

* `handle_event` — the incident writer or a person changed an incident: start its escalation
  (with the policy snapshotted), restart it on reopen, stop it on acknowledge/resolve and tell
  those already paged, page the major-incident roles (`notify/paging_events.py`).
* `run_due_escalations` — the timer loop found escalation steps due: page the next level
  (`notify/escalation_steps.py`).
* `page_unpaged` — the timer loop's sweep found triggered incidents that are not escalating,
  because their OPENED or REOPENED never reached the pager: hand it those events again, as
  recorded on the timeline (`notify/unpaged.py`).

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

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import sessionmaker

from incidents.events import IncidentEvent
from incidents.models import Incident
from notify import escalation, escalation_store
from notify.directory import Directory
from notify.escalation_steps import EscalationSteps
from notify.message_text import MessageText
from notify.page_writer import PageWriter
from notify.paging_events import EventHandlers
from notify.unpaged import find_unpaged, missed_events

log = logging.getLogger(__name__)

#: How long after an incident opens the sweep may page it: the pager normally has read its OPENED by then.
UNPAGED_SETTLE = timedelta(seconds=5)


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
        self.handle_events([event], now)

    def handle_events(self, events: Sequence[IncidentEvent], now: datetime) -> None:
        """Apply incident events, in order, in one transaction (idempotent; all or nothing).

        One transaction for a burst of events, not one each: on SQLite every transaction waits for
        the one write lock the incident writer needs too. Kinds paging does not follow take none.
        """
        followed = [event for event in events if self._events.follows(event.kind)]
        if not followed:
            return
        with self._sessions() as session, session.begin():
            for event in followed:
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

    def page_unpaged(self, now: datetime, limit: int = 100) -> int:
        """Start escalating every settled triggered incident that is not escalating; return how many were found."""
        with self._sessions() as session, session.begin():
            found = find_unpaged(session=session, opened_before=now - UNPAGED_SETTLE, limit=limit)
            for incident in found:
                events = missed_events(session=session, incident=incident)
                log.warning(
                    "incident %s is triggered but not escalating: handling its %s again",
                    incident.id, ", ".join(str(e.kind) for e in events),
                )
                for event in events:
                    self._events.handle(session, incident, event, now)
            return len(found)

    def escalate_now(self, incident_id: int, now: datetime) -> bool:
        """Someone asked to escalate (keypress 2): the next level is due now. False if there is nothing to escalate."""
        with self._sessions() as session, session.begin():
            row = escalation_store.get(session=session, incident_id=incident_id, lock=True)
            if row is None or row.status == escalation.EscalationStatus.RESOLVED:
                return False
            escalation_store.save(row, escalation.escalate_now(escalation_store.state(row), now), now)
            return True
