"""I/O: the one HTTP app of a worker — ingest, incident API, metrics and health — served on faust's event loop."""
from __future__ import annotations

from dataclasses import asdict
from typing import Awaitable, Callable, Sequence

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.orm import sessionmaker

from access.web import AccessService, access_router, install_access, signed_in_person
from alertdesk.readiness import ReadinessReport
from desk.web import desk_router
from incidents.action_service import IncidentActions
from incidents.api import incident_router, suppressed_alert_router
from incidents.heartbeats.api import heartbeat_router
from incidents.heartbeats.monitor import HeartbeatMonitor
from incidents.lifecycle_api import lifecycle_router
from incidents.silences.api import silence_router
from incidents.topology.api import topology_router
from notify.api import page_router
from streams.alerts.receivers.auth import NO_AUTH, IngestAuth
from streams.alerts.receivers.http import MAX_BODY_BYTES, ingest_router
from streams.alerts.receivers.sink import RawSink
from streams.clock import Clock


def build_http_app(
    *,
    sink: RawSink,
    sessions: sessionmaker,
    clock: Clock,
    heartbeats: HeartbeatMonitor,
    access: AccessService,
    ingest_auth: IngestAuth = NO_AUTH,
    ingest_max_body_bytes: int = MAX_BODY_BYTES,
    actions: IncidentActions | None = None,
    routers: Sequence[APIRouter] = (),
    readiness: Callable[[], Awaitable[ReadinessReport]] | None = None,
) -> FastAPI:
    """Assemble the worker's HTTP app from the routers each package owns (people's actions when `actions` is given).

    `access` guards every route (docs/security.md): reads need a viewer, changes an operator, configuration
    an admin; ingest, heartbeat pings, Twilio's webhooks, /healthz, /readyz and /metrics keep their own checks.
    `readiness` says whether the worker is ready (/readyz: 200, else 503 with the reason) and which partitions it holds.
    """
    api = FastAPI(title="alertdesk", version="0.1.0", openapi_url="/api/openapi.json", docs_url="/api/docs")
    install_access(api, access)
    api.include_router(access_router(access))
    api.include_router(ingest_router(sink, clock, auth=ingest_auth, max_body_bytes=ingest_max_body_bytes))
    api.include_router(incident_router(sessions))
    if actions is not None:
        api.include_router(lifecycle_router(actions, signed_in=signed_in_person))
        api.include_router(desk_router(sessions=sessions, clock=clock, actions=actions))  # the service desk UI
    api.include_router(heartbeat_router(heartbeats, auth=ingest_auth))
    api.include_router(silence_router(sessions, clock))
    api.include_router(topology_router(sessions))
    api.include_router(suppressed_alert_router(sessions))
    api.include_router(page_router(sessions))
    for router in routers:  # what other packages serve on this worker (Twilio's webhooks)
        api.include_router(router)

    @api.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @api.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    if readiness is not None:

        @api.get("/readyz", tags=["health"])
        async def readyz() -> JSONResponse:
            report = await readiness()
            body = {"status": "ready" if report.reason is None else "not ready", **asdict(report)}
            return JSONResponse(body, status_code=200 if report.reason is None else 503)

    return api
