"""`GET /api/pages`: the outbox through HTTP, on SQLite and PostgreSQL — sent and not sent, with reasons."""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from incidents.events import EventKind
from notify import outbox
from notify.api import page_router
from notify.paging import Paging
from tests.notify.directories import directory
from tests.notify.factories import make_event
from tests.notify.test_outbox import message


def test_lists_pages_and_pages_not_sent_with_their_reason(sessions, incident_id):
    with sessions() as session, session.begin():
        outbox.insert_messages(
            session=session,
            messages=[message(incident_id), message(incident_id, key="k2", person="chen.jie", status_reason="quiet_hours")],
        )
    app = FastAPI()
    app.include_router(page_router(sessions))
    with TestClient(app) as client:
        body = client.get(f"/api/pages?incident_id={incident_id}").json()
        assert body["total"] == 2
        assert [(p["recipient"], p["channel"], p["address"], p["status"], p["reason"]) for p in body["items"]] == [
            ("li.wei", "sms", "+8613800000001", "pending", None),
            ("chen.jie", "sms", "+8613800000001", "not_sent", "quiet_hours"),
        ]
        assert client.get(f"/api/pages?incident_id={incident_id + 1}").json()["total"] == 0
        assert client.get("/api/pages?limit=0").status_code == 422


def test_an_incidents_pages_come_with_where_its_escalation_stands(sessions, incident_id, clock):
    Paging(sessions, directory()).handle_event(make_event(EventKind.OPENED, incident_id), clock.now())
    app = FastAPI()
    app.include_router(page_router(sessions))
    with TestClient(app) as client:
        assert client.get(f"/api/pages?incident_id={incident_id}").json()["escalation"] == {
            "policy_id": "machine-room", "cycle": 1, "status": "active", "step": 0, "reason": "first",
            "next_due_at": "2026-01-01T03:00:00.000Z",
        }
        assert client.get(f"/api/pages?incident_id={incident_id + 1}").json()["escalation"] is None
        assert "escalation" not in client.get("/api/pages").json()
