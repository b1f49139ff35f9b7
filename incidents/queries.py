"""I/O: read-only incident queries for the service desk API, returning plain JSON-ready dicts.

Times are RFC 3339 UTC strings ending in Z (`format_instant`); nothing here writes or commits.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from incidents.models import Incident, IncidentAlert, TimelineEvent
from streams.clock import format_instant


def list_incidents(
    *, session: Session, status: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of incidents, newest first, and how many match in total.

    Args:
        session: an open session.
        status: only incidents in this status, or all when None.
        limit: page size.
        offset: how many matching incidents to skip.

    Returns:
        (page of incident summaries, total number of matching incidents)
    """
    where = [Incident.status == status] if status is not None else []
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
    }


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
    }


def _timeline(row: TimelineEvent) -> dict[str, Any]:
    """One timeline entry."""
    return {
        "event_id": row.event_id,
        "kind": row.kind,
        "occurred_at": format_instant(row.occurred_at),
        "actor": row.actor,
        "origin": row.origin,
        "detail": row.detail,
    }


def _instant(value: datetime | None) -> str | None:
    """`format_instant` for optional times."""
    return format_instant(value) if value is not None else None
