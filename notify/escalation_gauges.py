"""I/O: counts due and overdue escalation steps (two indexed counts) into the escalation gauges.

An escalation step is a row with `next_due_at` (a durable timer). Due steps are normal for up to a
paging tick; a step still due `overdue_after` later means no worker is taking timers, which is
the one thing an operator must hear about even when nobody is being paged.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notify.metrics import ESCALATIONS_DUE, ESCALATIONS_OVERDUE
from notify.models import Escalation


@dataclass(frozen=True)
class DueEscalations:
    """Escalation steps due at a moment, and those of them due for longer than the overdue threshold."""

    due: int
    overdue: int


def count_due(*, session: Session, now: datetime, overdue_after: timedelta) -> DueEscalations:
    """Count the steps due at `now` and those due since before `now - overdue_after`."""
    def due_by(moment: datetime) -> int:
        return session.scalar(
            select(func.count()).select_from(Escalation).where(
                Escalation.next_due_at.is_not(None), Escalation.next_due_at <= moment
            )
        )

    return DueEscalations(due=due_by(now), overdue=due_by(now - overdue_after))


def sample_due_escalations(sessions: sessionmaker, *, now: datetime, overdue_after: timedelta) -> DueEscalations:
    """Count in a session of its own and set the gauges; returns the counts (blocking: call from a thread)."""
    with sessions() as session:
        counts = count_due(session=session, now=now, overdue_after=overdue_after)
    ESCALATIONS_DUE.set(counts.due)
    ESCALATIONS_OVERDUE.set(counts.overdue)
    return counts
