"""The incident API shows what correlation knows (root, category, priority, symptoms) and lists suppressed alerts."""
from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from incidents.api import incident_router, suppressed_alert_router
from incidents.store import apply_command
from streams.correlation.commands import CommandKind, Disposition, DispositionKind, IncidentFacts
from tests.incidents.builders import NOW, command

FACTS = IncidentFacts(root="ups-1", root_kind="ups", root_name="1号UPS", category="power", impact="high",
                      urgency="high", priority="P1", major=True, major_reason="UPS on battery", affected=40)


@pytest.fixture
def client(migrated_db):
    _, factory = migrated_db
    opened = command(CommandKind.OPEN, "k-1", "root:ups-1")
    muted = command(CommandKind.SUPPRESS, "", "", "fp-9")
    disposition = Disposition(DispositionKind.MAINTENANCE, "maintenance of ups-2 by li.na", "w-1")
    with factory() as session:
        apply_command(session=session, command=replace(opened, facts=FACTS, scope="sh1"), now=NOW)
        apply_command(session=session, command=replace(muted, disposition=disposition, scope="sh1"), now=NOW)
        session.commit()
    app = FastAPI()
    app.include_router(incident_router(factory))
    app.include_router(suppressed_alert_router(factory))
    with TestClient(app) as test_client:
        yield test_client


def test_incidents_carry_root_category_priority_and_majority(client):
    item = client.get("/api/incidents").json()["items"][0]
    assert (item["scope"], item["root_component"], item["category"], item["priority"], item["major"]) == (
        "sh1", "ups-1", "power", "P1", True,
    )
    detail = client.get(f"/api/incidents/{item['id']}").json()
    assert [(a["resource"], a["symptom"]) for a in detail["alerts"]] == [("ups-fp1", False)]


def test_suppressed_alerts_are_listed_with_kind_and_reason_by_scope(client):
    body = client.get("/api/suppressed-alerts?scope=sh1").json()
    assert body["total"] == 1
    assert [(s["resource"], s["kind"], s["suppressed_by"], s["reason"]) for s in body["items"]] == [
        ("ups-fp-9", "maintenance", "w-1", "maintenance of ups-2 by li.na"),
    ]
    assert client.get("/api/suppressed-alerts?scope=other").json()["total"] == 0
