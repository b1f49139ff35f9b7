"""`GET /api/pages`: the outbox through HTTP, on SQLite and PostgreSQL."""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from incidents.events import EventKind
from notify import outbox
from notify.api import page_router
from notify.planner import Route, plan_pages
from tests.notify.factories import T0, make_event


def test_lists_pages_and_notices_of_an_incident(sessions, incident_id):
    routes = (Route("on-call", "console"),)
    with sessions() as session, session.begin():
        for kind in (EventKind.OPENED, EventKind.RESOLVED):
            intents = plan_pages(make_event(kind, incident_id=incident_id), routes=routes).intents
            outbox.record_intents(session=session, intents=intents, bodies=[f"{kind} body"], now=T0)
    app = FastAPI()
    app.include_router(page_router(sessions))
    with TestClient(app) as client:
        body = client.get(f"/api/pages?incident_id={incident_id}").json()
        assert body["total"] == 2
        assert [(p["escalation_level"], p["recipient"], p["channel"], p["status"]) for p in body["items"]] == [
            (1, "on-call", "console", "pending"), (0, "on-call", "console", "pending"),
        ]
        assert client.get(f"/api/pages?incident_id={incident_id + 1}").json()["total"] == 0
        assert client.get("/api/pages?limit=0").status_code == 422
