"""The incident API over a migrated SQLite and PostgreSQL database, through FastAPI's TestClient."""
from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from incidents.api import incident_router
from incidents.store import apply_command
from streams.correlation.commands import CommandKind
from tests.incidents.builders import NOW, command


@pytest.fixture
def client(migrated_db):
    """A client of an app serving three incidents: g1 (oldest, resolved), g2 and g3 (newest), triggered."""
    _, factory = migrated_db
    with factory() as session:
        for minutes, group in enumerate(["g1", "g2", "g3"]):
            apply_command(session=session, command=command(CommandKind.OPEN, f"k-{group}", group), now=NOW + timedelta(minutes=minutes))
        apply_command(session=session, command=command(CommandKind.RESOLVE, "k-g1", "g1", None), now=NOW + timedelta(hours=1))
        session.commit()
    app = FastAPI()
    app.include_router(incident_router(factory))
    with TestClient(app) as test_client:
        yield test_client


def test_lists_newest_first_with_the_total(client):
    body = client.get("/api/incidents").json()
    assert [item["incident_key"] for item in body["items"]] == ["k-g3", "k-g2", "k-g1"]
    assert (body["total"], body["limit"], body["offset"]) == (3, 50, 0)
    assert body["items"][2]["resolved_at"] == "2026-01-01T09:00:00.000Z"


@pytest.mark.parametrize(
    ("query", "keys", "total"),
    [
        ("status=resolved", ["k-g1"], 1),
        ("status=triggered", ["k-g3", "k-g2"], 2),
        ("status=acknowledged", [], 0),
        ("limit=1&offset=1", ["k-g2"], 3),
        ("offset=5", [], 3),
        ("status=triggered&limit=1&offset=1", ["k-g2"], 2),
    ],
)
def test_filters_and_pages(client, query, keys, total):
    body = client.get(f"/api/incidents?{query}").json()
    assert ([item["incident_key"] for item in body["items"]], body["total"]) == (keys, total)


def test_shows_one_incident_with_alerts_and_timeline(client):
    incident_id = client.get("/api/incidents?status=resolved").json()["items"][0]["id"]
    body = client.get(f"/api/incidents/{incident_id}").json()
    assert (body["incident_key"], body["status"], body["opened_at"]) == ("k-g1", "resolved", "2026-01-01T08:00:00.000Z")
    assert [(a["fingerprint"], a["status"], a["labels"]) for a in body["alerts"]] == [
        ("fp1", "firing", {"alertname": "UpsOnBattery"})
    ]
    assert [t["kind"] for t in body["timeline"]] == ["opened", "resolved"]


def test_unknown_incident_is_404(client):
    response = client.get("/api/incidents/7")
    assert (response.status_code, response.json()) == (404, {"detail": "incident 7 not found"})


@pytest.mark.parametrize("query", ["status=open", "limit=0", "limit=501", "offset=-1"])
def test_bad_query_is_422(client, query):
    assert client.get(f"/api/incidents?{query}").status_code == 422
