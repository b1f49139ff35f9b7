"""I/O: what a provider tells us after a send — delivery statuses and unanswered calls — applied to the outbox.

Callbacks may arrive before the send call returned, twice, or out of order: each one only
records the status it carries and, for a failure, brings the person's next contact method
forward (idempotent: it moves at most one waiting row, and only one that is not due yet).
A P1 call that ends without an acknowledgement is placed again a minute later, up to
`MAX_CALL_ATTEMPTS` ("call until reached").
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from incidents.models import Incident
from notify import outbox
from notify.models import OutboxMessage
from notify.notifications import PAGING_PURPOSES, URGENT_PRIORITIES

#: Statuses that mean the person was not reached by this message.
UNREACHED = frozenset({"failed", "undelivered", "busy", "no-answer", "canceled"})
MAX_CALL_ATTEMPTS = 5
CALL_AGAIN_AFTER = timedelta(minutes=1)


def record_status(sessions: sessionmaker, *, message_id: int, status: str, error: str | None, now: datetime) -> bool:
    """Apply one provider status callback; False if the message is unknown."""
    with sessions() as session, session.begin():
        row = outbox.set_provider_status(session=session, message_id=message_id, status=status, error=error, now=now)
        if row is None:
            return False
        if status in UNREACHED:
            outbox.pull_forward(session=session, message=row, now=now)
        if row.channel == "voice" and (status in UNREACHED or status == "completed"):
            _call_again_if_unacknowledged(session, row, now)
        return True


def _call_again_if_unacknowledged(session: Session, row: OutboxMessage, now: datetime) -> None:
    """For P1, a call that ended while the incident is still unacknowledged is placed again."""
    if row.priority not in URGENT_PRIORITIES or row.purpose not in PAGING_PURPOSES or row.attempt >= MAX_CALL_ATTEMPTS:
        return
    incident = session.get(Incident, row.incident_id) if row.incident_id is not None else None
    if incident is None or incident.status != "triggered":
        return
    key = row.page_key.rsplit("/", 1)[0] + f"/{row.attempt + 1}"
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.page_key == key)) is not None:
        return
    again = OutboxMessage(
        page_key=key, incident_id=row.incident_id, event_id=row.event_id, purpose=row.purpose, cycle=row.cycle,
        escalation_level=row.escalation_level, recipient=row.recipient, contact=row.contact, channel=row.channel,
        address=row.address, language=row.language, priority=row.priority, attempt=row.attempt + 1, body=row.body,
        status=str(outbox.OutboxStatus.PENDING), reason="call_until_reached", due_at=now + CALL_AGAIN_AFTER, tries=0,
        created_at=now,
    )
    outbox.insert_messages(session=session, messages=[again])


def find_message(sessions: sessionmaker, message_id: int) -> OutboxMessage | None:
    """One outbox row (detached, read-only) for a webhook to act on."""
    with sessions() as session:
        return session.get(OutboxMessage, message_id)


def latest_page_to(sessions: sessionmaker, address: str) -> OutboxMessage | None:
    """The most recent page sent to a phone number (for a reply that names no incident)."""
    with sessions() as session:
        return outbox.latest_page_to(session=session, address=address)


def incident_title(sessions: sessionmaker, incident_id: int) -> str | None:
    """The incident's title, or None if there is no such incident."""
    with sessions() as session:
        incident = session.get(Incident, incident_id)
        return incident.title if incident is not None else None
