"""I/O: read API over the loaded topology (`GET /api/topology`, `GET /api/topology/components/{id}`).

Handlers are plain `def` (run in FastAPI's threadpool), like the incident API. The topology
is read from the database on each request: it is small, and a reload is seen at once.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from sqlalchemy.orm import sessionmaker

from incidents.topology.store import current_revision, load_topology
from incidents.topology.views import component_view, summary_view


def topology_router(session_factory: sessionmaker) -> APIRouter:
    """Return the router serving the topology from sessions opened with `session_factory`."""
    router = APIRouter(prefix="/api/topology", tags=["topology"])

    @router.get("")
    def topology() -> dict[str, Any]:
        """Counts, the site/room/row/rack tree, the services, and the current revision."""
        with session_factory() as session:
            return summary_view(load_topology(session), current_revision(session))

    @router.get("/components/{component_id}")
    def component(component_id: str) -> dict[str, Any]:
        """One component by id or alias; 404 if none."""
        with session_factory() as session:
            found = component_view(load_topology(session), component_id)
        if found is None:
            raise HTTPException(status_code=404, detail=f"component {component_id!r} not found")
        return found

    return router
