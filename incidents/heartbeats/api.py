"""I/O: the heartbeat routes: `/heartbeat/{name}` takes a ping, `GET /api/heartbeats` lists the heartbeats.

A ping is accepted as GET, POST or PUT with any body, which is never read: curl in a cron
line, Grafana OnCall-style integrations and an Alertmanager webhook receiver (delivering
Prometheus' always-firing `Watchdog` alert) can all ping as they are. Credentials are those of
the ingest source `heartbeat` (`ingest_auth`), checked as the receivers check theirs. A ping
is answered 200 only once it is committed (and, for a missed heartbeat, once its resolve is on
`alerts.raw`); when the database or the broker is away the answer is 503 with `Retry-After`,
which senders retry.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from incidents.heartbeats.monitor import HeartbeatMonitor, HeartbeatUnavailable, UnknownHeartbeat
from streams.alerts.parsers.heartbeat import SOURCE
from streams.alerts.receivers.auth import NO_AUTH, IngestAuth
from streams.alerts.receivers.http import RETRY_AFTER_S, unauthorized

PING_FIELDS = ("name", "state", "last_ping_at", "due_at")


def heartbeat_router(monitor: HeartbeatMonitor, *, auth: IngestAuth = NO_AUTH) -> APIRouter:
    """Return the router taking pings for `monitor`'s heartbeats and listing them."""
    router = APIRouter(tags=["heartbeats"])

    @router.api_route("/heartbeat/{name}", methods=["GET", "POST", "PUT"], response_model=None)
    async def ping(name: str, request: Request) -> JSONResponse | dict[str, Any]:
        """Record a ping of the heartbeat `name` (any body is ignored)."""
        refused = unauthorized(auth, SOURCE, request)
        if refused is not None:
            return refused
        try:
            heartbeat = await monitor.ping(name)
        except UnknownHeartbeat as exc:
            return JSONResponse({"error": str(exc), "configured": list(exc.configured)}, status_code=404)
        except HeartbeatUnavailable as exc:
            return JSONResponse({"error": str(exc)}, status_code=503, headers={"Retry-After": RETRY_AFTER_S})
        return {key: heartbeat[key] for key in PING_FIELDS}

    @router.get("/api/heartbeats", response_model=None)
    async def heartbeats() -> JSONResponse | dict[str, Any]:
        """Every configured heartbeat: interval, labels, state, last ping, when the next ping is due, missed since."""
        try:
            items = await monitor.list_all()
        except HeartbeatUnavailable as exc:
            return JSONResponse({"error": str(exc)}, status_code=503, headers={"Retry-After": RETRY_AFTER_S})
        return {"items": items, "total": len(items)}

    return router
