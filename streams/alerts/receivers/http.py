"""I/O: the HTTP ingest routes: Alertmanager API v2 (`POST /api/v2/alerts`) and generic JSON (`POST /ingest/generic`).

Each request becomes one raw envelope, however many alerts it carries. The body is parsed once
here only to tell the sender now whether it can ever be valid (400 with the reason, never
retried) — the normalize stage parses it again from `alerts.raw`, so a parser fix plus a replay
recovers anything a parser bug mishandled (a body a parser crashes on is accepted, not refused).
"""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from streams.alerts.model import Envelope
from streams.alerts.normalize import normalize
from streams.alerts.receivers.sink import RawSink, SinkUnavailable
from streams.clock import Clock
from streams.metrics import ALERTS_INVALID, ALERTS_RECEIVED, INGEST_UNAVAILABLE

MAX_BODY_BYTES = 8 * 1024 * 1024
RETRY_AFTER_S = "5"


class BodyTooLarge(Exception):
    """The request body exceeds `MAX_BODY_BYTES`."""


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """Read the request body, refusing to buffer more than `limit` bytes.

    Raises:
        BodyTooLarge: once more than `limit` bytes arrived.
    """
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"body is larger than {limit} bytes; send fewer alerts per request")
        chunks.append(chunk)
    return b"".join(chunks)


def ingest_router(sink: RawSink, clock: Clock) -> APIRouter:
    """Return the router with every HTTP ingest endpoint, producing through `sink`."""
    router = APIRouter(tags=["ingest"])

    async def ingest(request: Request, source: str) -> JSONResponse:
        try:
            raw = await read_body(request)
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

    @router.post("/api/v2/alerts", summary="Alertmanager API v2: what Prometheus sends to an Alertmanager")
    async def post_alertmanager_v2(request: Request) -> JSONResponse:
        return await ingest(request, "alertmanager-api")

    @router.post("/ingest/generic", summary="Generic JSON alerts (see docs/generic-json.md)")
    async def post_generic(request: Request) -> JSONResponse:
        return await ingest(request, "generic")

    return router
