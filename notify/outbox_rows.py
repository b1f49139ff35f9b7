"""I/O: the outbox row of one planned message — built here, inserted by the caller in its transaction.

Pages about an incident (`notify/page_writer.py`) and notices about none (`notify/notices.py`)
differ in their key, event id, priority and reason; everything else a row holds comes from the
planned message the same way, so a new column is filled in one place.
"""
from __future__ import annotations

from datetime import datetime

from notify.models import OutboxMessage
from notify.notifications import PlannedMessage, Purpose
from notify.outbox import OutboxStatus


def outbox_row(
    message: PlannedMessage,
    *,
    page_key: str,
    incident_id: int | None,
    event_id: str,
    purpose: Purpose,
    cycle: int,
    step: int,
    priority: str,
    body: str,
    reason: str | None,
    now: datetime,
) -> OutboxMessage:
    """A sendable row, or one recorded as not sent with the plan's reason (unknown person, no contact, quiet hours)."""
    status = OutboxStatus.NOT_SENT if message.not_sent else OutboxStatus.PENDING
    return OutboxMessage(
        page_key=page_key,
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
        body=body,
        status=str(status),
        reason=str(message.not_sent) if message.not_sent else reason,
        due_at=message.due_at,
        tries=0,
        created_at=now,
    )
