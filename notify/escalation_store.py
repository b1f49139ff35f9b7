"""I/O: escalation rows — an incident's escalation state, stored as a durable timer (`next_due_at`).

Functions take `session` keyword-only and never commit. `claim_due` locks due rows with
`FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite has one writer), so with several workers each
due step is taken by exactly one, inside the transaction that also writes its outbox rows.
`begin` inserts in a SAVEPOINT, so the pager's OPENED and the timer loop's sweep for unpaged
incidents (notify/unpaged.py) may start the same escalation at once: one row, no error.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from incidents.db import insert_unless_taken
from notify.directory import EscalationPolicy
from notify.escalation import EscalationState, EscalationStatus, StepReason, start
from notify.models import Escalation


def get(*, session: Session, incident_id: int, lock: bool = False) -> Escalation | None:
    """The incident's escalation row, optionally locked for update."""
    query = select(Escalation).where(Escalation.incident_id == incident_id)
    return session.scalars(query.with_for_update() if lock else query).one_or_none()


def begin(*, session: Session, incident_id: int, policy: EscalationPolicy, priority: str, now: datetime) -> Escalation:
    """Start the incident's escalation with `policy` snapshotted; a second call for the same incident is a no-op.

    A concurrent worker's insert of the same incident's row wins: its row is returned.
    """
    existing = get(session=session, incident_id=incident_id)
    if existing is not None:
        return existing
    row = Escalation(
        incident_id=incident_id,
        cycle=1,
        policy_id=policy.id,
        policy=policy.to_dict(),
        priority=priority,
        started_at=now,
        updated_at=now,
    )
    save(row, start(policy, now), now)
    return insert_unless_taken(session, row, lambda: get(session=session, incident_id=incident_id))


def restart(*, row: Escalation, policy: EscalationPolicy, priority: str, now: datetime) -> None:
    """A reopened incident escalates again from the first level, as a new cycle, with the current policy."""
    row.cycle += 1
    row.policy_id, row.policy, row.priority, row.started_at = policy.id, policy.to_dict(), priority, now
    save(row, start(policy, now), now)


def state(row: Escalation) -> EscalationState:
    """The pure state of a row."""
    return EscalationState(
        policy=EscalationPolicy.from_dict(row.policy),
        status=EscalationStatus(row.status),
        step=row.step,
        next_due_at=row.next_due_at,
        reason=StepReason(row.reason),
    )


def save(row: Escalation, new: EscalationState, now: datetime) -> None:
    """Write a pure state back onto its row."""
    row.status, row.step, row.next_due_at, row.reason = str(new.status), new.step, new.next_due_at, str(new.reason)
    row.updated_at = now


def claim_due(*, session: Session, now: datetime, limit: int) -> list[Escalation]:
    """Lock up to `limit` rows whose next step is due, oldest first, skipping rows another worker holds."""
    return list(
        session.scalars(
            select(Escalation)
            .where(Escalation.next_due_at.is_not(None), Escalation.next_due_at <= now)
            .order_by(Escalation.next_due_at, Escalation.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
