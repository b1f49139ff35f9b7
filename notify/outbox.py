"""I/O: outbox rows — the durable record of every message before and after it is sent, and its timer.

Store functions take `session` keyword-only and never commit; the caller owns the transaction.
Inserting is idempotent on `page_key`. Claiming due rows uses `FOR UPDATE SKIP LOCKED` (a no-op
on SQLite, which has one writer), so two workers never send the same row; a row left "sending"
by a worker that died is claimed again when its lease runs out — the one bounded resend.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from incidents.db import insert_unless_taken
from notify.models import OutboxMessage
from notify.notifications import PAGING_PURPOSES


class OutboxStatus(StrEnum):
    """Delivery state of an outbox row."""

    PENDING = "pending"  # due at `due_at`
    SENDING = "sending"  # claimed by a worker until `claimed_until`
    SENT = "sent"  # the provider accepted it (`provider_status` follows its callbacks)
    FAILED = "failed"  # the provider refused it, or every retry failed
    NOT_SENT = "not_sent"  # never sendable: `reason` says why
    CANCELLED = "cancelled"  # no longer needed (acknowledged, resolved) before it was due


FINAL_STATUSES = frozenset({OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.NOT_SENT, OutboxStatus.CANCELLED})


def insert_messages(*, session: Session, messages: Sequence[OutboxMessage]) -> list[OutboxMessage]:
    """Insert each row unless its `page_key` exists; return the rows now in the table (new or old), in order."""
    return [_find(session, message.page_key) or _insert(session, message) for message in messages]


def _find(session: Session, page_key: str) -> OutboxMessage | None:
    """The row holding `page_key`, if any."""
    return session.scalars(select(OutboxMessage).where(OutboxMessage.page_key == page_key)).one_or_none()


def _insert(session: Session, message: OutboxMessage) -> OutboxMessage:
    """Insert in a SAVEPOINT; if a concurrent worker inserted the same key first, return theirs."""
    return insert_unless_taken(session, message, lambda: _find(session, message.page_key))


def has_event(*, session: Session, incident_id: int, event_id: str) -> bool:
    """Whether rows were already written for this event of the incident (an event handled once pages once)."""
    query = select(OutboxMessage.id).where(OutboxMessage.incident_id == incident_id, OutboxMessage.event_id == event_id)
    return session.scalars(query.limit(1)).first() is not None


def claim_due(*, session: Session, now: datetime, lease: timedelta, limit: int) -> list[OutboxMessage]:
    """Claim up to `limit` due rows (and rows whose sender died) for sending, oldest due first."""
    rows = session.scalars(
        select(OutboxMessage)
        .where(
            or_(
                (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.due_at <= now),
                (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.claimed_until < now),
            )
        )
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.status, row.claimed_until, row.tries, row.updated_at = OutboxStatus.SENDING, now + lease, row.tries + 1, now
    return list(rows)


def mark_sent(*, session: Session, message_id: int, provider_id: str | None, now: datetime) -> OutboxMessage:
    """The provider accepted the message."""
    row = session.get_one(OutboxMessage, message_id)
    row.status, row.provider_id, row.error, row.sent_at, row.updated_at = OutboxStatus.SENT, provider_id, None, now, now
    row.claimed_until = None
    return row


def mark_retry(*, session: Session, message_id: int, error: str, due_at: datetime, now: datetime) -> OutboxMessage:
    """The send failed in a way that may pass (5xx, timeout): try again at `due_at`."""
    row = session.get_one(OutboxMessage, message_id)
    row.status, row.error, row.due_at, row.claimed_until, row.updated_at = OutboxStatus.PENDING, error, due_at, None, now
    return row


def mark_failed(*, session: Session, message_id: int, error: str, now: datetime, reason: str | None = None) -> OutboxMessage:
    """The message will not be delivered (refused, or retries exhausted), and why."""
    row = session.get_one(OutboxMessage, message_id)
    row.status, row.error, row.claimed_until, row.updated_at = OutboxStatus.FAILED, error, None, now
    row.reason = reason or row.reason
    return row


def defer(*, session: Session, message_id: int, due_at: datetime, reason: str, now: datetime) -> OutboxMessage:
    """Hold a claimed row back until `due_at` (rate limit), without counting it as a try."""
    row = session.get_one(OutboxMessage, message_id)
    row.status, row.due_at, row.reason, row.claimed_until = OutboxStatus.PENDING, due_at, reason, None
    row.tries, row.updated_at = max(0, row.tries - 1), now
    return row


def cancel_pending(
    *, session: Session, incident_id: int, purposes: Sequence[str], reason: str, now: datetime
) -> list[OutboxMessage]:
    """Cancel the incident's rows of `purposes` that are still waiting (acknowledged or resolved meanwhile)."""
    rows = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.incident_id == incident_id,
            OutboxMessage.purpose.in_(purposes),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
    ).all()
    for row in rows:
        row.status, row.reason, row.updated_at = OutboxStatus.CANCELLED, reason, now
    return list(rows)


def pull_forward(*, session: Session, message: OutboxMessage, now: datetime) -> OutboxMessage | None:
    """A delivery failed: make the same person's next waiting method for the same page due now."""
    row = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.incident_id == message.incident_id,
            OutboxMessage.cycle == message.cycle,
            OutboxMessage.purpose == message.purpose,
            OutboxMessage.escalation_level == message.escalation_level,
            OutboxMessage.recipient == message.recipient,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.due_at > now,
        )
        .order_by(OutboxMessage.due_at)
        .limit(1)
    ).one_or_none()
    if row is not None:
        row.due_at, row.reason, row.updated_at = now, "previous_method_failed", now
    return row


def sent_times(*, session: Session, channel: str, address: str, since: datetime) -> list[datetime]:
    """When messages went to `address` over `channel` since `since` (for rate limits)."""
    return list(
        session.scalars(
            select(OutboxMessage.sent_at).where(
                OutboxMessage.channel == channel,
                OutboxMessage.address == address,
                OutboxMessage.status == OutboxStatus.SENT,
                OutboxMessage.sent_at >= since,
            )
        )
    )


def set_provider_status(
    *, session: Session, message_id: int, status: str, error: str | None, now: datetime
) -> OutboxMessage | None:
    """Record a provider callback's status on the row (any order, any number of times); None if no such row."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        return None
    row.provider_status, row.updated_at = status, now
    if error:
        row.error = error
    return row


def people_paged(*, session: Session, incident_id: int, cycle: int) -> list[str]:
    """Everyone a page of this incident's cycle was sent to, in the order first paged."""
    rows = session.scalars(
        select(OutboxMessage.recipient)
        .where(
            OutboxMessage.incident_id == incident_id,
            OutboxMessage.cycle == cycle,
            OutboxMessage.purpose.in_(PAGING_PURPOSES),
            OutboxMessage.status == OutboxStatus.SENT,
        )
        .order_by(OutboxMessage.id)
    )
    return list(dict.fromkeys(rows))


def latest_page_to(*, session: Session, address: str) -> OutboxMessage | None:
    """The most recent page sent to `address` (for a bare "ACK" reply)."""
    return session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.address == address, OutboxMessage.purpose.in_(PAGING_PURPOSES))
        .where(OutboxMessage.status == OutboxStatus.SENT)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).one_or_none()


def list_outbox(*, session: Session, incident_id: int | None = None, limit: int = 100) -> list[OutboxMessage]:
    """The most recent outbox rows, newest first, optionally for one incident."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if incident_id is not None:
        query = query.where(OutboxMessage.incident_id == incident_id)
    return list(session.scalars(query))

