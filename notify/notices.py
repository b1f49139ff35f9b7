"""I/O: notices about no incident, from the timer loop — shift handoff notices and silence reminders.

Both become outbox rows (purpose `handoff` / `reminder`, keyed by `notice_key`), so the dispatcher
sends them like any page, several workers insert each once, and `GET /api/pages` shows them.

* Handoffs are planned ahead (`notify/handoffs.py`) at most once a `PLAN_EVERY`, each row due at
  its handoff instant. The open-incident count in the notice is the one when it was planned (at
  most `LOOKAHEAD` before the shift).
* Silence reminders (`streams/alerts/silences.py reminders_due`) go to the silence's creator when
  the creator is a person in the paging directory, on their first contact method that is not a
  call; otherwise they are logged. Either way the silence is marked reminded in the same
  transaction, with the silence rows locked (`FOR UPDATE SKIP LOCKED`), so each goes out once.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Mapping

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from incidents.models import OPEN_STATUSES, Incident
from incidents.silences import store as silence_store
from incidents.silences.models import SilenceRow
from notify import outbox
from notify.directory import Directory
from notify.handoffs import LOOKAHEAD, PLAN_EVERY, handoff_context, handoffs_between
from notify.message_text import MessageText, display_name
from notify.models import OutboxMessage
from notify.notifications import PlannedMessage, Purpose, notice_key, plan_notice
from notify.outbox_rows import outbox_row
from notify.silence_reminders import reminder_context
from streams.alerts.silences import reminders_due
from streams.ids import deterministic_id

log = logging.getLogger(__name__)


class Notices:
    """Plans handoff notices and delivers silence reminders into the outbox, once per timer tick."""

    def __init__(
        self,
        sessions: sessionmaker,
        directory: Directory,
        text: MessageText,
        *,
        handoff_grace: timedelta,
        remind_before_expiry: timedelta,
        remind_open_after: timedelta,
    ) -> None:
        for name, value in (("handoff_grace", handoff_grace), ("remind_before_expiry", remind_before_expiry),
                            ("remind_open_after", remind_open_after)):
            if value <= timedelta(0):
                raise ValueError(f"Notices: {name} must be positive, got {value}")
        self._sessions = sessions
        self._directory = directory
        self._text = text
        self._grace = handoff_grace
        self._before_expiry = remind_before_expiry
        self._open_after = remind_open_after
        self._next_plan: datetime | None = None

    def run(self, now: datetime) -> int:
        """Plan due handoff notices (at most once a minute) and deliver due reminders; return rows written."""
        written = 0
        if self._next_plan is None or now >= self._next_plan:
            written += self.plan_handoffs(now)
            self._next_plan = now + PLAN_EVERY
        return written + self.deliver_reminders(now)

    def plan_handoffs(self, now: datetime) -> int:
        """Outbox rows for every person coming on call from `now - grace` to `now + LOOKAHEAD`."""
        notices = handoffs_between(self._directory, now - self._grace, now + LOOKAHEAD)
        if not notices:
            return 0
        with self._sessions() as session, session.begin():
            open_count = session.scalar(select(func.count()).select_from(Incident).where(Incident.status.in_(OPEN_STATUSES)))
            rows = []
            for notice in notices:
                message = plan_notice(notice.person, self._directory.people, at=notice.at)
                person = self._directory.people.get(notice.person)
                context = handoff_context(
                    notice, timezone=person.timezone if person else "UTC", open_count=open_count or 0, name_of=self._name
                )
                rows.append(self._row(message, Purpose.HANDOFF, notice.subject, "handoff", context, now))
            return len(outbox.insert_messages(session=session, messages=rows))

    def deliver_reminders(self, now: datetime) -> int:
        """Silence reminders that are due: to the creator if they are a person here, else to the log."""
        with self._sessions() as session, session.begin():
            silences = self._lock_unreminded(session, now)
            due = reminders_due(silences, now, before_expiry=self._before_expiry, open_too_long=self._open_after)
            by_id = {silence.id: silence for silence in silences}
            rows = []
            for reminder in due:
                if reminder.to in self._directory.people:
                    message = plan_notice(reminder.to, self._directory.people, at=now)
                    context = reminder_context(reminder, by_id[reminder.silence_id], now=now, open_after=self._open_after)
                    subject = f"{reminder.silence_id}/{reminder.kind}"
                    rows.append(self._row(message, Purpose.REMINDER, subject, "reminder", context, now))
                else:
                    log.warning("silence reminder for %s, who is not in the paging directory: %s", reminder.to, reminder.message)
                silence_store.mark_reminded(session=session, silence_id=reminder.silence_id, kind=reminder.kind, now=now)
            return len(outbox.insert_messages(session=session, messages=rows))

    def _lock_unreminded(self, session: Session, now: datetime) -> list[Any]:
        """Active silences with a reminder not yet sent, locked so one worker reminds each."""
        ids = session.scalars(
            select(SilenceRow.id)
            .where(
                SilenceRow.starts_at <= now,
                SilenceRow.ends_at > now,
                SilenceRow.expired_at.is_(None),
                or_(SilenceRow.expiry_reminded_at.is_(None), SilenceRow.long_open_reminded_at.is_(None)),
            )
            .order_by(SilenceRow.id)
            .with_for_update(skip_locked=True)
        ).all()
        return [silence for silence_id in ids if (silence := silence_store.get_silence(session=session, silence_id=silence_id))]

    def _row(
        self, message: PlannedMessage, purpose: Purpose, subject: str, template: str, context: Mapping[str, Any], now: datetime
    ) -> OutboxMessage:
        """One notice's outbox row, sendable or recorded as not sent (unknown person, no contact method)."""
        return outbox_row(
            message,
            page_key=notice_key(purpose=purpose, subject=subject, person=message.person, contact=message.contact),
            incident_id=None, event_id=deterministic_id(str(purpose), subject), purpose=purpose, cycle=0, step=0,
            priority="P5", body=self._text.body(template, message.channel, context, message.language),
            reason=str(purpose), now=now,
        )

    def _name(self, person_id: str) -> str:
        """A person's name for notices (their id if unknown)."""
        return display_name(self._directory.people, person_id)
