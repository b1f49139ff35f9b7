"""I/O: read-only incident queries for the service desk API, returning plain JSON-ready dicts.

Times are RFC 3339 UTC strings ending in Z (`format_instant`); nothing here writes or commits.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from incidents.models import Incident, IncidentAlert, IncidentLink, SuppressedAlert, TimelineEvent
from streams.clock import format_instant


def list_incidents(
    *,
    session: Session,
    limit: int,
    offset: int,
    status: str | None = None,
    priority: str | None = None,
    site: str | None = None,
    category: str | None = None,
    assignee: str | None = None,
    major: bool | None = None,
    search: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of incidents, newest first, and how many match in total.

    Args:
        session: an open session.
        limit: page size.
        offset: how many matching incidents to skip.
        status, priority, site, category, assignee, major: only incidents with exactly that value (None: any).
        search: only incidents whose title, root component or incident key contains it (case-insensitive).

    Returns:
        (page of incident summaries, total number of matching incidents)
    """
    wanted = {
        Incident.status: status, Incident.priority: priority, Incident.site: site, Incident.category: category,
        Incident.assignee: assignee, Incident.major: major,
    }
    where = [column == value for column, value in wanted.items() if value is not None]
    if search:
        pattern = f"%{search.strip().lower()}%"
        where.append(or_(
            func.lower(Incident.title).like(pattern),
            func.lower(func.coalesce(Incident.root_component, "")).like(pattern),
            func.lower(Incident.incident_key).like(pattern),
        ))
    total = session.scalar(select(func.count()).select_from(Incident).where(*where))
    rows = session.scalars(
        select(Incident).where(*where).order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(limit).offset(offset)
    ).all()
    return [_summary(row) for row in rows], total


def get_incident(*, session: Session, incident_id: int) -> dict[str, Any] | None:
    """Return one incident with its alerts and timeline, or None if there is no such incident."""
    incident = session.scalars(
        select(Incident)
        .where(Incident.id == incident_id)
        .options(selectinload(Incident.alerts), selectinload(Incident.timeline))
    ).first()
    if incident is None:
        return None
    return {
        **_summary(incident),
        "alerts": [_alert(row) for row in incident.alerts],
        "timeline": [_timeline(row) for row in incident.timeline],
        "links": _links(session, incident.id),
    }


def _links(session: Session, incident_id: int) -> list[dict[str, Any]]:
    """The incidents linked to `incident_id`, whichever side the link was made from, oldest link first."""
    rows = session.scalars(
        select(IncidentLink)
        .where(or_(IncidentLink.incident_id == incident_id, IncidentLink.other_id == incident_id))
        .order_by(IncidentLink.id)
    ).all()
    return [
        {
            "incident_id": row.other_id if row.incident_id == incident_id else row.incident_id,
            "created_by": row.created_by,
            "created_at": format_instant(row.created_at),
            "note": row.note,
        }
        for row in rows
    ]


def list_suppressed(*, session: Session, scope: str | None, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """Return one page of suppressed alert occurrences (newest first), optionally of one scope, and the total.

    Suppressed alerts are never paged but always visible: this is where "why wasn't I paged?" is answered.
    """
    where = [SuppressedAlert.scope == scope] if scope is not None else []
    total = session.scalar(select(func.count()).select_from(SuppressedAlert).where(*where))
    rows = session.scalars(
        select(SuppressedAlert).where(*where)
        .order_by(SuppressedAlert.suppressed_at.desc(), SuppressedAlert.id.desc()).limit(limit).offset(offset)
    ).all()
    return [_suppressed(row) for row in rows], total


def _summary(incident: Incident) -> dict[str, Any]:
    """The incident's own fields."""
    return {
        "id": incident.id,
        "incident_key": incident.incident_key,
        "group_key": incident.group_key,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "site": incident.site,
        "alert_count": incident.alert_count,
        "opened_at": format_instant(incident.opened_at),
        "updated_at": format_instant(incident.updated_at),
        "resolved_at": _instant(incident.resolved_at),
        "acknowledged_at": _instant(incident.acknowledged_at),
        "acknowledged_by": incident.acknowledged_by,
        "assignee": incident.assignee,
        "closed_at": _instant(incident.closed_at),
        "scope": incident.scope,
        "root_component": incident.root_component,
        "root_name": incident.root_name,
        "category": incident.category,
        "inferred_root": incident.inferred_root,
        "impact": incident.impact,
        "urgency": incident.urgency,
        "priority": incident.priority,
        "major": incident.major,
        "services": list(incident.services),
        "affected_count": incident.affected_count,
        # SLA (docs/sla.md): the deadlines and when each was breached (None: not breached); time left is the UI's.
        "sla_calendar": incident.sla_calendar,
        "response_due_at": _instant(incident.response_due_at),
        "resolution_due_at": _instant(incident.resolution_due_at),
        "response_breached_at": _instant(incident.response_breached_at),
        "resolution_breached_at": _instant(incident.resolution_breached_at),
        "reported_by": incident.reported_by,
        "merged_into": incident.merged_into,
        "drill": incident.drill,
    }


def _alert(row: IncidentAlert) -> dict[str, Any]:
    """One attached alert."""
    return {
        "fingerprint": row.fingerprint,
        "source": row.source,
        "name": row.name,
        "resource": row.resource,
        "status": row.status,
        "severity": row.severity,
        "labels": row.labels,
        "annotations": row.annotations,
        "starts_at": format_instant(row.starts_at),
        "ends_at": _instant(row.ends_at),
        "last_received_at": format_instant(row.last_received_at),
        "component": row.component,
        "symptom": row.symptom,
    }


def _suppressed(row: SuppressedAlert) -> dict[str, Any]:
    """One suppressed alert occurrence and why."""
    return {
        "fingerprint": row.fingerprint,
        "scope": row.scope,
        "name": row.name,
        "resource": row.resource,
        "severity": row.severity,
        "status": row.status,
        "kind": row.kind,
        "suppressed_by": row.suppressed_by,
        "reason": row.reason,
        "starts_at": format_instant(row.starts_at),
        "ends_at": _instant(row.ends_at),
        "suppressed_at": format_instant(row.suppressed_at),
    }


def _timeline(row: TimelineEvent) -> dict[str, Any]:
    """One timeline entry: what, when, who (`actor`, "system" for the pipeline) and from where (`via`)."""
    return {
        "event_id": row.event_id,
        "kind": row.kind,
        "occurred_at": format_instant(row.occurred_at),
        "actor": row.actor,
        "via": row.origin,
        "detail": row.detail,
    }


def _instant(value: datetime | None) -> str | None:
    """`format_instant` for optional times."""
    return format_instant(value) if value is not None else None
