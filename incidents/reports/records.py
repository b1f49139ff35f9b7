"""Pure: the plain records reports are computed from, built by `incidents.reports.query` (or by hand in tests).

Reports never read the database themselves: the query module turns rows into these frozen
records once, and every computation (`summary`, `series`, `csv_export`, `monthly`) works on them,
so each number can be checked against a hand-made list of incidents.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class PageRecord:
    """One message that paged a person about an incident: at which escalation level, whom, and when it was queued."""

    level: int
    recipient: str
    at: datetime


@dataclass(frozen=True)
class PagingFacts:
    """What paging did for one incident: its pages, and the ids each level of its policy snapshot targets.

    `level_targets[0]` holds the target ids (groups, people, schedules) of level 1, and so on; it
    tells which support line an assignee such as "line2" belongs to.
    """

    pages: tuple[PageRecord, ...] = ()
    level_targets: tuple[frozenset[str], ...] = ()


@dataclass(frozen=True)
class IncidentRecord:
    """One incident as reports see it: its classification, its timings, its SLA marks and its support line.

    `support_line` is the escalation level at which it was acknowledged (1 = first line);
    `max_level_paged` the highest level paged at all (0 = nobody was paged);
    `reassigned_beyond_first_line` is true when it was ever assigned to a target of a level above 1.
    """

    id: int
    title: str
    priority: str
    category: str
    services: tuple[str, ...]
    site: str
    status: str
    major: bool
    opened_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    assignee: str | None = None
    alert_count: int = 0
    response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    response_breached_at: datetime | None = None
    resolution_breached_at: datetime | None = None
    support_line: int = 1
    max_level_paged: int = 0
    reassigned_beyond_first_line: bool = False
    pages: tuple[PageRecord, ...] = field(default=())

    @property
    def time_to_acknowledge_s(self) -> float | None:
        """Seconds from opening to acknowledgement, or None while nobody acknowledged it."""
        return _seconds(self.opened_at, self.acknowledged_at)

    @property
    def time_to_resolve_s(self) -> float | None:
        """Seconds from opening to resolution, or None while it is unresolved."""
        return _seconds(self.opened_at, self.resolved_at)


@dataclass(frozen=True)
class AlertSample:
    """One alert occurrence received (attached to an incident or suppressed), for noise reduction."""

    at: datetime
    suppressed: bool = False


def _seconds(start: datetime, end: datetime | None) -> float | None:
    """`end - start` in seconds (never negative: a clock skew between workers must not make a negative MTTA)."""
    return None if end is None else max(0.0, (end - start).total_seconds())
