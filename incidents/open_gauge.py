"""I/O: counts the open incidents per priority (one grouped query) into `alertdesk_incidents_open`.

A gauge sampled on a timer rather than counted up and down by the writer and the action service:
a count that is re-read cannot drift after a crash between a commit and an increment. The query
uses the status and priority indexes; every worker runs it (take the max across workers).
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from incidents.metrics import INCIDENTS_OPEN
from incidents.models import OPEN_STATUSES, Incident
from streams.correlation.priority import PRIORITIES


def count_open_by_priority(*, session: Session) -> dict[str, int]:
    """Open incidents per priority, every priority present (0 when none), plus any unknown priority found."""
    rows = session.execute(
        select(Incident.priority, func.count()).where(Incident.status.in_(OPEN_STATUSES)).group_by(Incident.priority)
    )
    return {**dict.fromkeys(PRIORITIES, 0), **{priority: count for priority, count in rows}}


def sample_open_incidents(sessions: sessionmaker) -> dict[str, int]:
    """Run the count in a session of its own and set the gauge; returns the counts (blocking: call from a thread)."""
    with sessions() as session:
        counts = count_open_by_priority(session=session)
    for priority, count in counts.items():
        INCIDENTS_OPEN.labels(priority).set(count)
    return counts
