"""I/O: outbox rows, the durable record of every page before and after it is sent.

Store functions take `session` keyword-only and never commit; the pager owns the transactions.
Recording is idempotent on the outbox unique key, so a replayed event adds no row and a row
recorded before a crash, but never sent, is handed back to be sent once.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notify.models import OutboxMessage
from notify.planner import PageIntent


class OutboxStatus(StrEnum):
    """Delivery state of an outbox row."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


def record_intents(
    *, session: Session, intents: Sequence[PageIntent], bodies: Sequence[str], now: datetime
) -> list[OutboxMessage]:
    """Insert a row per intent unless its key exists; return the rows (new or old) still pending.

    Args:
        intents: the planned pages.
        bodies: the rendered text of each intent, in the same order.
        now: the row's `created_at`.

    Returns:
        The pending rows, in intent order: those to send now.

    Raises:
        ValueError: if `bodies` and `intents` differ in length.
    """
    if len(bodies) != len(intents):
        raise ValueError(f"{len(intents)} intents but {len(bodies)} bodies")
    rows = [_find(session, intent) or _insert(session, intent, body, now) for intent, body in zip(intents, bodies)]
    return [row for row in rows if row.status == OutboxStatus.PENDING]


def _find(session: Session, intent: PageIntent) -> OutboxMessage | None:
    """The row holding `intent`'s outbox key, if any."""
    return session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.incident_id == intent.incident_id,
            OutboxMessage.escalation_level == intent.escalation_level,
            OutboxMessage.recipient == intent.recipient,
            OutboxMessage.channel == intent.channel,
            OutboxMessage.attempt == intent.attempt,
        )
    ).one_or_none()


def _insert(session: Session, intent: PageIntent, body: str, now: datetime) -> OutboxMessage:
    """Insert the row in a SAVEPOINT; if a concurrent writer got there first, return theirs."""
    row = OutboxMessage(
        incident_id=intent.incident_id,
        event_id=intent.event_id,
        escalation_level=intent.escalation_level,
        recipient=intent.recipient,
        channel=intent.channel,
        attempt=intent.attempt,
        body=body,
        status=OutboxStatus.PENDING.value,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = _find(session, intent)
        if existing is None:  # not our unique key (e.g. the incident row is missing): a real error
            raise
        return existing
    return row


def mark_sent(*, session: Session, message: OutboxMessage, provider_id: str | None, now: datetime) -> OutboxMessage:
    """Record that the provider accepted `message` (which may be detached); return the session's row."""
    row = session.get_one(OutboxMessage, message.id)
    row.status, row.provider_id, row.error, row.sent_at = OutboxStatus.SENT.value, provider_id, None, now
    return row


def mark_failed(*, session: Session, message: OutboxMessage, error: str, now: datetime) -> OutboxMessage:
    """Record that `message` could not be delivered, and why; return the session's row.

    `now` is accepted for symmetry with `mark_sent`; the table has no failure time column yet.
    """
    row = session.get_one(OutboxMessage, message.id)
    row.status, row.error = OutboxStatus.FAILED.value, error
    return row


def list_outbox(*, session: Session, incident_id: int | None = None, limit: int = 100) -> list[OutboxMessage]:
    """The most recent outbox rows, newest first, optionally for one incident."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if incident_id is not None:
        query = query.where(OutboxMessage.incident_id == incident_id)
    return list(session.scalars(query))

