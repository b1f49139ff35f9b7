"""I/O: the HTTP ingest routes, one per source (`INGEST_ROUTES`): Alertmanager API v2 and webhook, Grafana, Zabbix, generic JSON.

Each request becomes one raw envelope, however many alerts it carries. The body is parsed once
here only to tell the sender now whether it can ever be valid (400 with the reason, never
retried) — the normalize stage parses it again from `alerts.raw`, so a parser fix plus a replay
recovers anything a parser bug mishandled (a body a parser crashes on is accepted, not refused).

Before the body is read, the sender's credentials are checked (401 with `WWW-Authenticate`, see
`auth.py`) and a declared `Content-Length` over the limit is refused (413); the limit holds again
while reading, for senders that stream without a length.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from streams.alerts.model import Envelope
from streams.alerts.normalize import normalize
from streams.alerts.receivers.auth import NO_AUTH, IngestAuth
from streams.alerts.receivers.sink import RawSink, SinkUnavailable
from streams.clock import Clock
from streams.metrics import (
    ALERTS_INVALID,
    ALERTS_RECEIVED,
    INGEST_UNAUTHORIZED,
    INGEST_UNAVAILABLE,
)

MAX_BODY_BYTES = 8 * 1024 * 1024
RETRY_AFTER_S = "5"


@dataclass(frozen=True)
class IngestRoute:
    """One ingest endpoint: where it listens, the source (parser and metric label) it feeds, its OpenAPI summary."""

    path: str
    source: str
    summary: str


INGEST_ROUTES = (
    IngestRoute("/api/v2/alerts", "alertmanager-api", "Alertmanager API v2: what Prometheus sends to an Alertmanager"),
    IngestRoute("/ingest/alertmanager", "alertmanager", "Alertmanager webhook notification (payload version 4)"),
    IngestRoute("/ingest/grafana", "grafana", "Grafana alerting webhook contact point"),
    IngestRoute("/ingest/zabbix", "zabbix", "Zabbix event from the alertdesk media type (see docs/sources.md)"),
    IngestRoute("/ingest/generic", "generic", "Generic JSON alerts (see docs/generic-json.md)"),
)
INGEST_SOURCES = tuple(route.source for route in INGEST_ROUTES)


class BodyTooLarge(Exception):
    """The request body exceeds `MAX_BODY_BYTES`."""


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """Read the request body, refusing to buffer more than `limit` bytes.

    Raises:
        BodyTooLarge: at once when the declared `Content-Length` exceeds `limit`, else once more
            than `limit` bytes arrived (senders that stream without a length).
    """
    too_large = BodyTooLarge(f"body is larger than {limit} bytes; send fewer alerts per request")
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _declared_length(request: Request) -> int | None:
    try:
        return int(request.headers["content-length"])
    except (KeyError, ValueError):
        return None


def unauthorized(auth: IngestAuth, source: str, request: Request) -> JSONResponse | None:
    """The 401 (with `WWW-Authenticate`, counted) for a request without the source's credentials, else None."""
    outcome = auth.check(source, request.headers.get("authorization"))
    if outcome.allowed:
        return None
    INGEST_UNAUTHORIZED.labels(source, outcome.value).inc()
    return JSONResponse(
        {"error": f"authentication required for source {source!r}: {outcome.value.replace('_', ' ')}"},
        status_code=401,
        headers={"WWW-Authenticate": auth.challenge(source)},
    )


def ingest_router(
    sink: RawSink, clock: Clock, *, auth: IngestAuth = NO_AUTH, max_body_bytes: int = MAX_BODY_BYTES
) -> APIRouter:
    """Return the router with every HTTP ingest endpoint, producing through `sink`.

    `auth` says which credentials each source needs (none by default); `max_body_bytes` bounds a body.
    """
    router = APIRouter(tags=["ingest"])

    async def ingest(request: Request, source: str) -> JSONResponse:
        refused = unauthorized(auth, source, request)
        if refused is not None:
            return refused
        try:
            raw = await read_body(request, max_body_bytes)
            body = raw.decode("utf-8")
        except BodyTooLarge as exc:
            ALERTS_INVALID.labels(source).inc()
            return JSONResponse({"error": str(exc)}, status_code=413)
        except UnicodeDecodeError as exc:
            ALERTS_INVALID.labels(source).inc()
            return JSONResponse({"error": f"body is not UTF-8: {exc}"}, status_code=400)
        envelope = Envelope(
            source=source,
            received_at=clock.now(),
            content_type=request.headers.get("content-type", ""),
            body=body,
            envelope_id=uuid.uuid4().hex,
        )
        checked = normalize(envelope)
        if checked.refused:
            ALERTS_INVALID.labels(source).inc()
            return JSONResponse({"error": checked.error}, status_code=400)
        try:
            await sink.publish(envelope)
        except SinkUnavailable as exc:
            INGEST_UNAVAILABLE.labels(source).inc()
            return JSONResponse({"error": str(exc)}, status_code=503, headers={"Retry-After": RETRY_AFTER_S})
        ALERTS_RECEIVED.labels(source).inc(len(checked.alerts))
        return JSONResponse({"accepted": len(checked.alerts), "envelope_id": envelope.envelope_id})

    def endpoint(source: str):
        async def post(request: Request) -> JSONResponse:
            return await ingest(request, source)

        return post

    for route in INGEST_ROUTES:
        # Every source shows on /metrics from the start, at 0, so a dashboard can tell "quiet" from "absent".
        for counter in (ALERTS_RECEIVED, ALERTS_INVALID, INGEST_UNAVAILABLE):
            counter.labels(route.source)
        router.add_api_route(
            route.path, endpoint(route.source), methods=["POST"], summary=route.summary,
            name=f"ingest_{route.source.replace('-', '_')}", response_class=JSONResponse,
        )
    return router
