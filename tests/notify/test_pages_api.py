"""`GET /api/pages`: the outbox through HTTP, on SQLite and PostgreSQL — sent and not sent, with reasons."""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from notify import outbox
from notify.api import page_router
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
