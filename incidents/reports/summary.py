"""Pure: the report summary — MTTA, MTTR, first-line resolution and SLA compliance, overall and per group.

Groups are by priority, category, business service or support line. An incident with several
business services counts once under each; one with none under "(none)". Times to acknowledge
and resolve leave out the incidents not yet acknowledged or resolved (they have no such time).
SLA: a deadline is met when the acknowledgement (response) or the resolution came no later
than it; breached when it came later, or has not come and either the SLA monitor marked it
breached or the deadline is past `now`; pending otherwise. Compliance is met / (met + breached), over
the incidents that had that deadline.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Iterable, Sequence

from incidents.reports.lines import FIRST_LINE
from incidents.reports.records import IncidentRecord
from incidents.reports.stats import Timing, timing

NO_SERVICE = "(none)"


class GroupBy(StrEnum):
    """What the summary's groups are."""

    PRIORITY = "priority"
    CATEGORY = "category"
    SERVICE = "service"
    LINE = "line"


class SlaOutcome(StrEnum):
    """How one deadline of one incident came out."""

    MET = "met"
    BREACHED = "breached"
    PENDING = "pending"  # not yet done, deadline still ahead


@dataclass(frozen=True)
class Compliance:
    """Deadlines met and breached (and still pending) over the incidents that had one."""

    met: int
    breached: int
    pending: int

    @property
    def rate(self) -> float | None:
        """met / (met + breached), None when no deadline has come out yet."""
        decided = self.met + self.breached
        return self.met / decided if decided else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"met": self.met, "breached": self.breached, "pending": self.pending, "rate": self.rate}


@dataclass(frozen=True)
class GroupStats:
    """The numbers of one group (or of all incidents)."""

    key: str
    count: int
    resolved: int
    mtta: Timing
    mttr: Timing
    first_line_resolved: int
    response: Compliance
    resolution: Compliance

    @property
    def first_line_rate(self) -> float | None:
        """Resolved by the first line / resolved, None when nothing was resolved."""
        return self.first_line_resolved / self.resolved if self.resolved else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "key": self.key,
            "count": self.count,
            "resolved": self.resolved,
            "mtta": self.mtta.to_dict(),
            "mttr": self.mttr.to_dict(),
            "first_line_resolved": self.first_line_resolved,
            "first_line_rate": self.first_line_rate,
            "sla_response": self.response.to_dict(),
            "sla_resolution": self.resolution.to_dict(),
        }


@dataclass(frozen=True)
class Summary:
    """All incidents' numbers and each group's, groups in a stable order."""

    by: GroupBy
    total: GroupStats
    groups: tuple[GroupStats, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"by": str(self.by), "total": self.total.to_dict(), "groups": [g.to_dict() for g in self.groups]}


def summarize(records: Sequence[IncidentRecord], by: GroupBy, now: datetime) -> Summary:
    """The summary of `records`, grouped `by`, with SLA deadlines judged at `now`."""
    grouped: dict[str, list[IncidentRecord]] = defaultdict(list)
    for record in records:
        for key in group_keys(record, by):
            grouped[key].append(record)
    ordered = sorted(grouped, key=lambda key: _order(key, by))
    return Summary(
        by=by,
        total=group_stats("all", records, now),
        groups=tuple(group_stats(key, grouped[key], now) for key in ordered),
    )


def group_stats(key: str, records: Sequence[IncidentRecord], now: datetime) -> GroupStats:
    """The numbers of one set of incidents."""
    resolved = [record for record in records if record.resolved_at is not None]
    return GroupStats(
        key=key,
        count=len(records),
        resolved=len(resolved),
        mtta=timing(record.time_to_acknowledge_s for record in records),
        mttr=timing(record.time_to_resolve_s for record in records),
        first_line_resolved=sum(1 for record in resolved if resolved_by_first_line(record)),
        response=compliance(response_outcome(record, now) for record in records),
        resolution=compliance(resolution_outcome(record, now) for record in records),
    )


def group_keys(record: IncidentRecord, by: GroupBy) -> tuple[str, ...]:
    """The groups `record` counts in."""
    if by is GroupBy.PRIORITY:
        return (record.priority,)
    if by is GroupBy.CATEGORY:
        return (record.category,)
    if by is GroupBy.SERVICE:
        return tuple(dict.fromkeys(record.services)) or (NO_SERVICE,)
    return (str(record.support_line),)


def resolved_by_first_line(record: IncidentRecord) -> bool:
    """Resolved without paging beyond level 1 and without reassignment to another line."""
    return (
        record.resolved_at is not None
        and record.max_level_paged <= FIRST_LINE
        and not record.reassigned_beyond_first_line
    )


def response_outcome(record: IncidentRecord, now: datetime) -> SlaOutcome | None:
    """The response deadline's outcome (met by acknowledgement), None when the incident had none."""
    return _outcome(record.response_due_at, record.acknowledged_at, record.response_breached_at, now)


def resolution_outcome(record: IncidentRecord, now: datetime) -> SlaOutcome | None:
    """The resolution deadline's outcome (met by resolution), None when the incident had none."""
    return _outcome(record.resolution_due_at, record.resolved_at, record.resolution_breached_at, now)


def compliance(outcomes: Iterable[SlaOutcome | None]) -> Compliance:
    """Count the outcomes of the incidents that had the deadline."""
    counts = {outcome: 0 for outcome in SlaOutcome}
    for outcome in outcomes:
        if outcome is not None:
            counts[outcome] += 1
    return Compliance(
        met=counts[SlaOutcome.MET], breached=counts[SlaOutcome.BREACHED], pending=counts[SlaOutcome.PENDING]
    )


def _outcome(
    due: datetime | None, done: datetime | None, breached: datetime | None, now: datetime
) -> SlaOutcome | None:
    """Met, breached or pending, for one deadline."""
    if due is None:
        return None
    if done is not None:
        return SlaOutcome.MET if done <= due else SlaOutcome.BREACHED
    return SlaOutcome.BREACHED if breached is not None or now > due else SlaOutcome.PENDING


def _order(key: str, by: GroupBy) -> tuple[int, str]:
    """Lines in number order, priorities P1 first, the rest alphabetically with "(none)" last."""
    if by is GroupBy.LINE and key.isdigit():
        return (int(key), key)
    return (1 if key == NO_SERVICE else 0, key)
