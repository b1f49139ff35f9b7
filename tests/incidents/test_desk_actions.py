"""Incidents reported by people, escalation by hand, links between incidents and the list's filters, through the
API (httpx ASGI transport) on SQLite and PostgreSQL, with the published events collected."""
from __future__ import annotations

import pytest

from incidents import reported
from incidents.action_inputs import ActionError
from incidents.reported import Report
from incidents.store import apply_command
from streams.correlation.commands import CommandKind
from tests.incidents.builders import NOW, command
from tests.incidents.test_lifecycle_api import Desk


@pytest.fixture
async def desk(migrated_db):
    """A desk over one triggered incident opened by an alert, `desk.incident`."""
    _, factory = migrated_db
    with factory() as session:
        [opened] = apply_command(session=session, command=command(CommandKind.OPEN, "k1"), now=NOW)
        session.commit()
    desk = Desk(factory)
    desk.incident = opened.incident_id
    async with desk.client:
        yield desk


REPORT = {
    "by": "desk.wang", "title": "Core banking slow for branch tellers", "category": "application", "impact": "high",
    "urgency": "high", "site": "dc1", "services": ["core-banking"], "description": "branch 12 called at 03:10",
}


async def test_a_reported_incident_opens_with_its_itil_priority_and_lives_the_same_life(desk):
    response = await desk.client.post("/api/incidents", json=REPORT, headers={"Idempotency-Key": "call-1"})
    assert response.status_code == 201, response.text
    incident_id = response.json()["incident_id"]
    assert [e.kind for e in desk.published] == ["opened", "major_declared"]  # P1: the pager calls the major roles
    shown = (await desk.client.get(f"/api/incidents/{incident_id}")).json()
    assert (shown["priority"], shown["major"], shown["severity"], shown["reported_by"]) == ("P1", True, "critical", "desk.wang")
    assert (shown["services"], shown["site"], shown["category"], shown["status"]) == (["core-banking"], "dc1", "application", "triggered")
    assert shown["opened_at"] == "2026-01-01T08:03:00.000Z" and shown["alerts"] == []
    assert shown["timeline"][0]["detail"] == "reported by desk.wang: branch 12 called at 03:10"
    # P1 on the default 24x7 calendar: respond within 15 minutes, resolve within 4 hours of the report
    assert (shown["response_due_at"], shown["resolution_due_at"]) == ("2026-01-01T08:18:00.000Z", "2026-01-01T12:03:00.000Z")
    again = await desk.client.post("/api/incidents", json=REPORT, headers={"Idempotency-Key": "call-1"})
    assert again.json()["incident_id"] == incident_id  # a retried report opens one incident
    ack = await desk.client.post(f"/api/incidents/{incident_id}/ack", json={"by": "li.wei"})
    assert ack.json()["events"][0]["status"] == "acknowledged"


@pytest.mark.parametrize("impact, urgency, priority", [("low", "low", "P5"), ("medium", "high", "P2"), ("high", "low", "P3")])
async def test_the_reported_priority_is_impact_times_urgency(desk, impact, urgency, priority):
    body = {**REPORT, "impact": impact, "urgency": urgency}
    incident_id = (await desk.client.post("/api/incidents", json=body)).json()["incident_id"]
    shown = (await desk.client.get(f"/api/incidents/{incident_id}")).json()
    assert (shown["priority"], shown["major"]) == (priority, False)
    assert [e.kind for e in desk.published] == ["opened"]


@pytest.mark.parametrize("change, where", [({"impact": "huge"}, "impact"), ({"title": ""}, "title"), ({"by": ""}, "by")])
async def test_a_bad_report_is_422_naming_the_field(desk, change, where):
    response = await desk.client.post("/api/incidents", json={**REPORT, **change})
    assert response.status_code == 422 and where in response.text


def test_a_blank_title_is_refused_by_the_action_itself(migrated_db):
    _, factory = migrated_db
    with factory() as session, pytest.raises(ActionError, match="title"):
        reported.report(session=session, report=Report(title="  "), actor="a", via="api", now=NOW, request_id="r1")


async def test_escalating_by_hand_is_on_the_timeline_and_announced_until_resolved(desk):
    base = f"/api/incidents/{desk.incident}"
    response = await desk.client.post(f"{base}/escalate", json={"by": "li.wei", "note": "need the UPS vendor"})
    assert response.status_code == 200, response.text
    assert [(e.kind, e.detail, e.actor) for e in desk.published] == [("escalated", "need the UPS vendor", "li.wei")]
    await desk.client.post(f"{base}/ack", json={"by": "li.wei"})
    assert (await desk.client.post(f"{base}/escalate", json={"by": "li.wei"})).status_code == 200
    await desk.client.post(f"{base}/resolve", json={"by": "li.wei"})
    refused = await desk.client.post(f"{base}/escalate", json={"by": "li.wei"})
    assert refused.status_code == 409 and "is resolved" in refused.json()["detail"]


async def test_linked_incidents_show_each_other_once(desk):
    other = (await desk.client.post("/api/incidents", json=REPORT)).json()["incident_id"]
    base = f"/api/incidents/{desk.incident}"
    linked = await desk.client.post(f"{base}/links", json={"by": "desk.wang", "other_id": other, "note": "same UPS"})
    assert linked.status_code == 200 and linked.json()["events"][0]["detail"] == f"linked to #{other}: same UPS"
    back = await desk.client.post(f"/api/incidents/{other}/links", json={"by": "li.wei", "other_id": desk.incident})
    assert back.status_code == 409 and "already linked" in back.json()["detail"]
    mine = (await desk.client.get(base)).json()["links"]
    theirs = (await desk.client.get(f"/api/incidents/{other}")).json()["links"]
    assert [(link["incident_id"], link["created_by"], link["note"]) for link in mine] == [(other, "desk.wang", "same UPS")]
    assert [link["incident_id"] for link in theirs] == [desk.incident]


@pytest.mark.parametrize("other, status, message", [(None, 422, "itself"), (999, 404, "999 not found")])
async def test_a_bad_link_is_refused(desk, other, status, message):
    body = {"by": "desk.wang", "other_id": other or desk.incident}
    response = await desk.client.post(f"/api/incidents/{desk.incident}/links", json=body)
    assert response.status_code == status and message in response.json()["detail"]


async def test_the_list_filters_by_priority_site_major_assignee_and_text(desk):
    reported = (await desk.client.post("/api/incidents", json=REPORT)).json()["incident_id"]
    await desk.client.post(f"/api/incidents/{reported}/assign", json={"by": "desk.wang", "assignee": "line2"})

    async def ids(query: str) -> list[int]:
        body = (await desk.client.get(f"/api/incidents?{query}")).json()
        assert body["total"] == len(body["items"])
        return [item["id"] for item in body["items"]]

    assert await ids("priority=P1") == [reported]
    assert await ids("major=true") == [reported]
    assert await ids("major=false") == [desk.incident]
    assert await ids("assignee=line2&site=dc1") == [reported]
    assert await ids("q=CORE%20BANKING") == [reported]
    assert await ids("category=application&status=triggered") == [reported]
    assert await ids("q=nothing-like-this") == []
    assert (await desk.client.get("/api/incidents?priority=P9")).status_code == 422



async def test_a_signed_in_person_acts_as_themselves_and_a_token_says_for_whom(migrated_db):
    _, factory = migrated_db
    with factory() as session:
        [opened] = apply_command(session=session, command=command(CommandKind.OPEN, "k1"), now=NOW)
        session.commit()
    # the access layer's answer, read from a header here: who signed in with a browser session, if anyone
    desk = Desk(factory, signed_in=lambda request: request.headers.get("x-test-person"))
    base = f"/api/incidents/{opened.incident_id}"
    async with desk.client:
        as_self = await desk.client.post(f"{base}/notes", json={"text": "on site"}, headers={"x-test-person": "li.wei"})
        other = await desk.client.post(f"{base}/ack", json={"by": "zhang.min"}, headers={"x-test-person": "li.wei"})
        nameless = await desk.client.post(f"{base}/ack", json={})
        token = await desk.client.post(f"{base}/ack", json={"by": "zhang.min"})
    assert as_self.status_code == 200 and as_self.json()["events"][0]["actor"] == "li.wei"
    assert other.status_code == 403 and "signed in as li.wei" in other.json()["detail"]
    assert nameless.status_code == 422 and "say who acts" in nameless.json()["detail"]
    assert token.json()["events"][0]["actor"] == "zhang.min"
