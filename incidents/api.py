"""I/O: the service desk's read API over incidents (`GET /api/incidents`, `GET /api/incidents/{id}`).

The handlers are plain `def`: FastAPI runs them in its threadpool, so the synchronous
SQLAlchemy calls never block the event loop that also serves ingest. That is simpler than
wrapping each call in `run_in_threadpool` and cannot be forgotten on the next handler.
"""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy.orm import sessionmaker

from incidents.queries import get_incident, list_incidents, list_suppressed

IncidentStatus = Literal["triggered", "acknowledged", "resolved", "closed"]
Priority = Literal["P1", "P2", "P3", "P4", "P5"]


def incident_router(session_factory: sessionmaker) -> APIRouter:
    """Return the router serving incidents from sessions opened with `session_factory`."""
    router = APIRouter(prefix="/api/incidents", tags=["incidents"])

    @router.get("")
    def incidents(
        status: IncidentStatus | None = None,
        priority: Priority | None = None,
        site: str | None = Query(None, max_length=128),
        category: str | None = Query(None, max_length=32),
        assignee: str | None = Query(None, max_length=128),
        major: bool | None = None,
        q: str | None = Query(None, max_length=200, description="Text in the title, root component or key."),
        limit: int = Query(50, ge=1, le=500),
        offset: int = Query(0, ge=0),
    ) -> dict[str, Any]:
        """List incidents, newest first, filtered by any of status, priority, site, category, assignee, major, text."""
        with session_factory() as session:
            items, total = list_incidents(
                session=session, status=status, priority=priority, site=site, category=category, assignee=assignee,
                major=major, search=q, limit=limit, offset=offset,
            )
        return {"items": items, "total": total, "limit": limit, "offset": offset}

    @router.get("/{incident_id}")
    def incident(incident_id: int) -> dict[str, Any]:
        """One incident with its alerts and timeline; 404 if there is none."""
        with session_factory() as session:
            found = get_incident(session=session, incident_id=incident_id)
        if found is None:
            raise HTTPException(status_code=404, detail=f"incident {incident_id} not found")
        return found

    return router


def suppressed_alert_router(session_factory: sessionmaker) -> APIRouter:
    """Return the router listing suppressed alerts (`GET /api/suppressed-alerts?scope=…`)."""
    router = APIRouter(prefix="/api/suppressed-alerts", tags=["incidents"])

    @router.get("")
    def suppressed_alerts(
        scope: str | None = None,
        limit: int = Query(50, ge=1, le=500),
        offset: int = Query(0, ge=0),
    ) -> dict[str, Any]:
        """List alerts a silence or maintenance window suppressed, newest first, optionally of one scope (site)."""
        with session_factory() as session:
            items, total = list_suppressed(session=session, scope=scope, limit=limit, offset=offset)
        return {"items": items, "total": total, "limit": limit, "offset": offset}

    return router
