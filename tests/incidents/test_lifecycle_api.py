"""The lifecycle routes over httpx's ASGI transport on a migrated SQLite and PostgreSQL database, with the published
events collected in a list: ack, resolve, close, reopen, assign, notes; 404, 409, 422, 503; idempotency keys."""
from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from incidents.action_service import IncidentActions
from incidents.api import incident_router
from incidents.db import create_db_engine, session_factory
from incidents.events import IncidentEvent
from incidents.lifecycle_api import lifecycle_router
from incidents.store import apply_command
from streams.clock import FakeClock
from streams.correlation.commands import CommandKind
from streams.retry import RetryPolicy
from tests.incidents.builders import NOW, command

LATER = NOW + timedelta(minutes=3)


class Desk:
    """A client of the incident routes; `published` is what went to `incidents.events`, `failing` breaks the bus."""

    def __init__(self, sessions, retry: RetryPolicy | None = None, signed_in=lambda _request: None) -> None:
        self.incident = 0
        self.published: list[IncidentEvent] = []
        self.failing = False
        extra = {"retry": retry} if retry else {}
        service = IncidentActions(sessions, self.publish, clock=FakeClock(LATER), publish_timeout_s=1.0, **extra)
        api = FastAPI()
        api.include_router(incident_router(sessions))
        api.include_router(lifecycle_router(service, signed_in=signed_in))
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://alertdesk")

    async def publish(self, event: IncidentEvent) -> None:
        if self.failing:
            raise ConnectionError("broker gone")
        self.published.append(event)


@pytest.fixture
async def desk(migrated_db):
    """A desk over one triggered incident, `desk.incident`."""
    _, factory = migrated_db
    with factory() as session:
        [opened] = apply_command(session=session, command=command(CommandKind.OPEN, "k1"), now=NOW)
        session.commit()
    desk = Desk(factory)
    desk.incident = opened.incident_id
    async with desk.client:
        yield desk


async def test_ack_answers_the_event_announces_it_and_echoes_the_key(desk):
    response = await desk.client.post(f"/api/incidents/{desk.incident}/ack", json={"by": "li.wei", "note": "on it"})
    assert response.status_code == 200, response.text
    [event] = response.json()["events"]
    assert {key: event[key] for key in ("kind", "status", "actor", "via", "detail", "occurred_at")} == {
        "kind": "acknowledged", "status": "acknowledged", "actor": "li.wei", "via": "api", "detail": "on it",
        "occurred_at": "2026-01-01T08:03:00.000Z",
    }
    assert len(response.headers["Idempotency-Key"]) == 32  # generated: the caller sent none
    assert [e.to_dict() for e in desk.published] == [event]


@pytest.mark.parametrize(("header", "via"), [("ui", "ui"), ("CLI", "cli"), ("api", "api")])
async def test_the_caller_says_where_it_acts_from(desk, header, via):
    response = await desk.client.post(
        f"/api/incidents/{desk.incident}/notes", json={"by": "li.wei", "text": "hi"},
        headers={"X-Alertdesk-Via": header},
    )
    assert response.json()["events"][0]["via"] == via


async def test_every_action_through_the_api_and_the_incident_shows_it(desk):
    base = f"/api/incidents/{desk.incident}"
    steps = [
        ("ack", {"by": "li.wei"}, "acknowledged"),
        ("assign", {"by": "desk.wang", "assignee": "line2"}, "acknowledged"),
        ("notes", {"by": "li.wei", "text": "breaker tripped"}, "acknowledged"),
        ("resolve", {"by": "li.wei", "note": "breaker reset"}, "resolved"),
        ("reopen", {"by": "desk.wang"}, "triggered"),
        ("resolve", {"by": "li.wei"}, "resolved"),
        ("close", {"by": "desk.wang", "note": "confirmed with the customer"}, "closed"),
    ]
    for path, body, status in steps:
        response = await desk.client.post(f"{base}/{path}", json=body)
        assert (response.status_code, response.json()["events"][0]["status"]) == (200, status), response.text
    shown = (await desk.client.get(base)).json()
    assert (shown["status"], shown["assignee"], shown["closed_at"]) == ("closed", "line2", "2026-01-01T08:03:00.000Z")
    assert [(item["kind"], item["actor"], item["via"]) for item in shown["timeline"]][1:4] == [
        ("acknowledged", "li.wei", "api"), ("assigned", "desk.wang", "api"), ("note_added", "li.wei", "api")
    ]
    assert [e.kind for e in desk.published] == [
        "acknowledged", "assigned", "note_added", "resolved", "reopened", "resolved", "closed"
    ]
    listed = (await desk.client.get("/api/incidents?status=closed")).json()
    assert [item["id"] for item in listed["items"]] == [desk.incident]


async def test_an_illegal_transition_is_409_with_the_reason(desk):
    url = f"/api/incidents/{desk.incident}/ack"
    await desk.client.post(url, json={"by": "li.wei"}, headers={"X-Alertdesk-Via": "ui"})
    response = await desk.client.post(url, json={"by": "desk.wang"})
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"cannot acknowledge: incident {desk.incident} is already acknowledged by li.wei"
        " at 2026-01-01T08:03:00.000Z (via ui)"
    }
    assert len(desk.published) == 1


async def test_an_unknown_incident_is_404(desk):
    response = await desk.client.post("/api/incidents/999/resolve", json={"by": "li.wei"})
    assert (response.status_code, response.json()) == (404, {"detail": "incident 999 not found"})


@pytest.mark.parametrize(
    ("path", "body", "headers", "where"),
    [
        ("ack", {"by": ""}, {}, "by"),
        ("ack", {"by": "li.wei", "nite": "typo"}, {}, "nite"),
        ("assign", {"by": "li.wei"}, {}, "assignee"),
        ("notes", {"by": "li.wei", "text": ""}, {}, "text"),
        ("resolve", {"by": "li.wei", "note": "x" * 10_001}, {}, "note"),
    ],
)
async def test_a_bad_body_is_422_naming_the_field(desk, path, body, headers, where):
    response = await desk.client.post(f"/api/incidents/{desk.incident}/{path}", json=body, headers=headers)
    assert response.status_code == 422
    assert where in {str(part) for error in response.json()["detail"] for part in error["loc"]}
    assert desk.published == []


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"X-Alertdesk-Via": "sms"}, "X-Alertdesk-Via: 'sms' is not one of api, ui, cli"),
        ({"Idempotency-Key": "k" * 256}, "Idempotency-Key: send 1 to 255 characters, got 256"),
        ({"Idempotency-Key": " "}, "Idempotency-Key: send 1 to 255 characters, got 0"),
    ],
)
async def test_a_bad_header_is_422(desk, headers, message):
    response = await desk.client.post(f"/api/incidents/{desk.incident}/ack", json={"by": "li.wei"}, headers=headers)
    assert (response.status_code, response.json()) == (422, {"detail": message})


async def test_a_blank_person_or_note_is_422(desk):
    response = await desk.client.post(f"/api/incidents/{desk.incident}/notes", json={"by": "li.wei", "text": "  "})
    assert (response.status_code, response.json()) == (422, {"detail": "text: the note is blank"})
    response = await desk.client.post(f"/api/incidents/{desk.incident}/ack", json={"by": "   "})
    assert (response.status_code, response.json()) == (422, {"detail": "actor: say who, it is blank"})


async def test_the_same_idempotency_key_gives_the_same_answer_and_applies_once(desk):
    url, key = f"/api/incidents/{desk.incident}/notes", {"Idempotency-Key": "note-7"}
    first = await desk.client.post(url, json={"by": "li.wei", "text": "once"}, headers=key)
    again = await desk.client.post(url, json={"by": "li.wei", "text": "once"}, headers=key)
    assert (first.status_code, again.status_code, again.headers["Idempotency-Key"]) == (200, 200, "note-7")
    assert again.json() == first.json()
    timeline = (await desk.client.get(f"/api/incidents/{desk.incident}")).json()["timeline"]
    assert [item["kind"] for item in timeline] == ["opened", "note_added"]
    assert len(desk.published) == 2 and desk.published[0] == desk.published[1]  # re-announced, same event id


async def test_a_key_reused_for_another_action_is_422(desk):
    key = {"Idempotency-Key": "k-1"}
    await desk.client.post(f"/api/incidents/{desk.incident}/ack", json={"by": "li.wei"}, headers=key)
    response = await desk.client.post(f"/api/incidents/{desk.incident}/resolve", json={"by": "li.wei"}, headers=key)
    assert response.status_code == 422
    assert "idempotency key 'k-1' was already used for acknowledged" in response.json()["detail"]


async def test_an_unannounced_action_is_503_and_repeating_it_with_the_key_announces_it(desk):
    desk.failing = True
    url = f"/api/incidents/{desk.incident}/ack"
    response = await desk.client.post(url, json={"by": "li.wei"}, headers={"Idempotency-Key": "sms-42"})
    assert (response.status_code, response.headers["Retry-After"], response.headers["Idempotency-Key"]) == (
        503, "5", "sms-42"
    )
    detail = response.json()["detail"]
    assert "done, but its acknowledged event was not announced (ConnectionError: broker gone)" in detail
    desk.failing = False
    again = await desk.client.post(url, json={"by": "li.wei"}, headers={"Idempotency-Key": "sms-42"})
    assert again.status_code == 200
    assert [(e.kind, e.actor) for e in desk.published] == [("acknowledged", "li.wei")]


async def test_an_unavailable_database_is_503_with_retry_after(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'db'}")
    (tmp_path / "db").mkdir()  # a folder where the database file should be: every connection fails
    retry = RetryPolicy(transient=(OperationalError,), attempts=2, first_delay_s=0.01)
    desk = Desk(session_factory(engine), retry=retry)
    async with desk.client:
        response = await desk.client.post("/api/incidents/1/ack", json={"by": "li.wei"})
    engine.dispose()
    assert (response.status_code, response.headers["Retry-After"]) == (503, "5")
    assert response.json()["detail"].startswith("could not acknowledge incident 1: the database is unavailable (")
    assert desk.published == []
