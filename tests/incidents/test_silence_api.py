"""The silences, maintenance and safety-exception API over a migrated SQLite and PostgreSQL database."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from incidents.silences.api import USER_HEADER, silence_router
from streams.clock import FakeClock

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def client(migrated_db, clock):
    _, factory = migrated_db
    app = FastAPI()
    app.include_router(silence_router(factory, clock))
    with TestClient(app) as test_client:
        yield test_client


SILENCE = {
    "matchers": [
        {"name": "alertname", "value": "Temp.*", "isRegex": True},
        {"name": "site", "value": "dc2", "isRegex": False, "isEqual": False},
        '"机房"="A"',
    ],
    "startsAt": "2026-03-01T08:00:00Z",
    "endsAt": "2026-03-01T10:00:00Z",
    "createdBy": "zhang.wei",
    "comment": "更换传感器",
}


def test_a_silence_is_created_listed_and_expired(client, clock):
    created = client.post("/api/silences", json=SILENCE)
    assert created.status_code == 200, created.text
    silence_id = created.json()["silenceID"]
    shown = client.get(f"/api/silences/{silence_id}").json()
    assert shown["matchersText"] == ['alertname=~"Temp.*"', 'site!="dc2"', '"机房"="A"']
    assert shown["matchers"][1] == {"name": "site", "value": "dc2", "isRegex": False, "isEqual": False}
    assert (shown["status"]["state"], shown["createdBy"], shown["comment"]) == ("active", "zhang.wei", "更换传感器")
    assert [s["id"] for s in client.get("/api/silences?state=active").json()] == [silence_id]
    assert client.get("/api/silences?state=expired").json() == []

    clock.advance(minutes=30)
    assert client.delete(f"/api/silences/{silence_id}").status_code == 400
    expired = client.delete(f"/api/silences/{silence_id}", headers={USER_HEADER: "wang.fang"})
    assert expired.status_code == 200
    assert (expired.json()["expiredBy"], expired.json()["endsAt"]) == ("wang.fang", "2026-03-01T08:30:00.000Z")
    assert [s["id"] for s in client.get("/api/silences?state=expired").json()] == [silence_id]


def test_a_silence_may_be_given_a_duration_from_now(client):
    body = {"matchers": ["alertname=UPSLowBattery"], "duration": "2h", "createdBy": "a", "comment": "b"}
    silence = client.post("/api/silences", json=body).json()["silence"]
    assert (silence["startsAt"], silence["endsAt"]) == ("2026-03-01T08:00:00.000Z", "2026-03-01T10:00:00.000Z")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"matchers": []}, "matchers: expected a non-empty list"),
        ({"matchers": ["site"]}, "matchers[0]: matcher 'site': expected an operator"),
        ({"matchers": [{"name": "site", "value": "x", "isRegex": "yes"}]}, "matchers[0].isRegex: must be true or"),
        ({"matchers": [{"value": "x"}]}, "matchers[0].name: expected a non-empty string"),
        ({"matchers": ['team!="db"']}, "at least one matcher must not match the empty string"),
        ({"createdBy": ""}, "createdBy: expected a non-empty string"),
        ({"endsAt": "tomorrow"}, "endsAt: Invalid isoformat string"),
        ({"endsAt": "2026-03-01T07:00:00Z"}, "ends_at: must be after starts_at"),
        ({"endsAt": None}, "endsAt: give endsAt (RFC 3339) or duration"),
    ],
)
def test_bad_silences_are_400_naming_the_field(client, change, message):
    answer = client.post("/api/silences", json={**SILENCE, **change})
    assert answer.status_code == 400
    assert message in answer.json()["detail"]


def test_unknown_ids_states_and_bodies(client):
    assert client.get("/api/silences/nope").status_code == 404
    assert client.delete("/api/silences/nope", headers={USER_HEADER: "a"}).status_code == 404
    assert "state: 'open' is not one of" in client.get("/api/silences?state=open").json()["detail"]
    answer = client.post("/api/silences", content=b"{not json", headers={"content-type": "application/json"})
    assert (answer.status_code, answer.json()["detail"][:24]) == (400, "body: not valid JSON: Ex")


def test_a_recurring_maintenance_window_is_scheduled_listed_and_cancelled(client, clock):
    body = {
        "components": ["ups-1"], "starts_at": "2026-03-02T02:00", "duration": "4h", "timezone": "Asia/Shanghai",
        "recurrence": {"frequency": "weekly", "weekdays": ["mon", "thu"], "until": "2026-06-30"},
        "created_by": "li.na", "reason": "UPS 保养",
    }
    created = client.post("/api/maintenance", json=body)
    assert created.status_code == 200, created.text
    window = created.json()
    assert (window["starts_at"], window["state"]) == ("2026-03-01T18:00:00.000Z", "scheduled")
    assert [o["starts_at"] for o in window["next_occurrences"]] == [
        "2026-03-01T18:00:00.000Z", "2026-03-04T18:00:00.000Z", "2026-03-08T18:00:00.000Z"
    ]
    assert window["recurrence"] == {"frequency": "weekly", "weekdays": ["mon", "thu"], "until": "2026-06-30"}
    clock.advance(hours=11)
    assert [w["id"] for w in client.get("/api/maintenance?state=running").json()] == [window["id"]]
    cancelled = client.request("DELETE", f"/api/maintenance/{window['id']}", json={"by": "li.na"})
    assert (cancelled.json()["state"], cancelled.json()["next_occurrences"]) == ("cancelled", [])
    assert client.get(f"/api/maintenance/{window['id']}").json()["cancelled_at"] == "2026-03-01T19:00:00.000Z"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"components": []}, "components: name at least one CMDB component"),
        ({"components": "ups-1"}, "components: expected a list of non-empty strings"),
        ({"timezone": "Mars/Olympus"}, "timezone: unknown IANA time zone"),
        ({"starts_at": "soon"}, "starts_at: 'soon' is not an ISO 8601 time"),
        ({"duration": "4 hours"}, "duration: '4 hours' is not like 2h"),
        ({"recurrence": {"frequency": "monthly"}}, "recurrence.frequency: 'monthly' is not daily or weekly"),
        ({"recurrence": {"frequency": "weekly"}}, "recurrence.weekdays: a weekly window needs"),
        ({"recurrence": {"frequency": "weekly", "weekdays": ["mo"]}}, "weekdays: 'mo' is not one of"),
        ({"recurrence": {"frequency": "daily", "until": "June"}}, "recurrence.until: Invalid isoformat string"),
        ({"reason": " "}, "reason: expected a non-empty string"),
    ],
)
def test_bad_windows_are_400_naming_the_field(client, change, message):
    body = {"components": ["ups-1"], "starts_at": "2026-03-02T02:00", "duration": "4h", "created_by": "li.na",
            "reason": "UPS 保养", **change}
    answer = client.post("/api/maintenance", json=body)
    assert answer.status_code == 400
    assert message in answer.json()["detail"]


def test_a_safety_exception_is_approved_by_someone_else(client):
    body = {"safety_class": "ups_on_battery", "matchers": ["site=dc1"], "ends_at": "2026-03-01T12:00:00Z",
            "requested_by": "li.na", "reason": "battery discharge test"}
    created = client.post("/api/safety-exceptions", json=body).json()
    assert (created["active"], created["approved_by"]) == (False, None)
    path = f"/api/safety-exceptions/{created['id']}"
    refused = client.post(f"{path}/approve", headers={USER_HEADER: "li.na"})
    assert refused.status_code == 400
    assert refused.json()["detail"] == "approved_by: must be someone other than the requester"
    approved = client.post(f"{path}/approve", headers={USER_HEADER: "wang.fang"}).json()
    assert (approved["active"], approved["approved_by"]) == (True, "wang.fang")
    assert client.get(path).json()["active"] is True
    assert client.delete(path, headers={USER_HEADER: "wang.fang"}).json()["active"] is False
    assert [e["id"] for e in client.get("/api/safety-exceptions").json()] == [created["id"]]


def test_an_exception_for_an_unknown_class_or_for_everything_is_refused(client):
    body = {"safety_class": "smok", "matchers": ["site=dc1"], "ends_at": "2026-03-01T12:00:00Z",
            "requested_by": "li.na", "reason": "x"}
    assert "safety_class: 'smok' is not one of" in client.post("/api/safety-exceptions", json=body).json()["detail"]
    body = {**body, "safety_class": "smoke", "matchers": []}
    assert "give matchers or components" in client.post("/api/safety-exceptions", json=body).json()["detail"]
