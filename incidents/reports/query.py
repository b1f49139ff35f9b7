"""I/O: build the report records from the database for a period and filters (site, business service, priority).

Incidents are those opened in the period; drills are left out (they are rehearsals, not service).
What paging did comes from `paging` — a `PagingLookup` the composition passes in (the pager's
tables belong to `notify/`, which `incidents/` must not import); without one, nobody was paged and
every incident is the first line's. Nothing here writes or commits.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from incidents.events import EventKind
from incidents.models import Incident, IncidentAlert, SuppressedAlert, TimelineEvent
from incidents.reports.lines import (
    assignee_from_detail,
    max_level_paged,
    reassigned_beyond_first_line,
    support_line,
)
from incidents.reports.period import Period
from incidents.reports.records import AlertSample, IncidentRecord, PagingFacts

#: What paging did for each of the given incidents (missing ids: nothing), read in the caller's session.
PagingLookup = Callable[[Session, Sequence[int]], Mapping[int, PagingFacts]]


def no_paging(session: Session, incident_ids: Sequence[int]) -> Mapping[int, PagingFacts]:
    """`PagingLookup` of a deployment without a pager: nobody was paged."""
    return {}


@dataclass(frozen=True)
class Filters:
    """Only incidents of this site, with this business service, of this priority (None: any)."""

    site: str | None = None
    service: str | None = None
    priority: str | None = None


def incident_records(
    *, session: Session, period: Period, filters: Filters = Filters(), paging: PagingLookup = no_paging
) -> list[IncidentRecord]:
    """The incidents opened in the period that pass the filters, oldest first, as report records."""
    where = _incident_where(period, filters)
    incidents = [
        row for row in session.scalars(select(Incident).where(*where).order_by(Incident.opened_at, Incident.id))
        if filters.service is None or filters.service in (row.services or ())
    ]
    assignees: dict[int, list[str]] = defaultdict(list)
    assigned = session.execute(
        select(TimelineEvent.incident_id, TimelineEvent.detail)
        .join(Incident, Incident.id == TimelineEvent.incident_id)
        .where(TimelineEvent.kind == str(EventKind.ASSIGNED), *where)
        .order_by(TimelineEvent.id)
    )
    for incident_id, detail in assigned:
        name = assignee_from_detail(detail)
        if name is not None:
            assignees[incident_id].append(name)
    facts = paging(session, [row.id for row in incidents])
    return [_record(row, facts.get(row.id, PagingFacts()), assignees[row.id]) for row in incidents]


def alert_samples(*, session: Session, period: Period, filters: Filters = Filters()) -> list[AlertSample]:
    """Alert occurrences received in the period: attached to incidents passing the filters, and suppressed ones.

    A suppressed alert belongs to no incident, so the service and priority filters cannot apply to
    it: with either filter set, suppressed alerts are left out; the site filter applies to their scope.
    """
    attached = session.execute(
        select(IncidentAlert.starts_at, Incident.services)
        .join(Incident, Incident.id == IncidentAlert.incident_id)
        .where(
            IncidentAlert.starts_at >= period.start, IncidentAlert.starts_at < period.end, Incident.drill.is_(False),
            *_filter_where(filters),
        )
    )
    samples = [
        AlertSample(at) for at, services in attached if filters.service is None or filters.service in (services or ())
    ]
    if filters.service is None and filters.priority is None:
        where = [SuppressedAlert.suppressed_at >= period.start, SuppressedAlert.suppressed_at < period.end]
        if filters.site is not None:
            where.append(SuppressedAlert.scope == filters.site)
        suppressed = session.scalars(select(SuppressedAlert.suppressed_at).where(*where))
        samples += [AlertSample(at, suppressed=True) for at in suppressed]
    return samples


def first_opened_at(*, session: Session) -> datetime | None:
    """When the oldest (non-drill) incident opened, None when there is none: where the report index starts."""
    return session.scalar(select(func.min(Incident.opened_at)).where(Incident.drill.is_(False)))


def _incident_where(period: Period, filters: Filters) -> list:
    """The SQL conditions on incidents: opened in the period, not a drill, site and priority."""
    return [
        Incident.opened_at >= period.start, Incident.opened_at < period.end, Incident.drill.is_(False),
        *_filter_where(filters),
    ]


def _filter_where(filters: Filters) -> list:
    """Site and priority as SQL (the business service is a JSON list, compared in Python on both databases)."""
    where = []
    if filters.site is not None:
        where.append(Incident.site == filters.site)
    if filters.priority is not None:
        where.append(Incident.priority == filters.priority)
    return where


def _record(incident: Incident, facts: PagingFacts, assignees: list[str]) -> IncidentRecord:
    """One incident as a report record."""
    return IncidentRecord(
        id=incident.id,
        title=incident.title,
        priority=incident.priority,
        category=incident.category,
        services=tuple(incident.services or ()),
        site=incident.site,
        status=incident.status,
        major=incident.major,
        opened_at=incident.opened_at,
        acknowledged_at=incident.acknowledged_at,
        acknowledged_by=incident.acknowledged_by,
        resolved_at=incident.resolved_at,
        closed_at=incident.closed_at,
        assignee=incident.assignee,
        alert_count=incident.alert_count,
        response_due_at=incident.response_due_at,
        resolution_due_at=incident.resolution_due_at,
        response_breached_at=incident.response_breached_at,
        resolution_breached_at=incident.resolution_breached_at,
        support_line=support_line(facts, incident.acknowledged_at),
        max_level_paged=max_level_paged(facts),
        reassigned_beyond_first_line=reassigned_beyond_first_line(
            [*assignees, *([incident.assignee] if incident.assignee else [])], facts
        ),
        pages=facts.pages,
    )
