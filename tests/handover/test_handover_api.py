"""The handover API behind the real access middleware on SQLite and PostgreSQL: operators write and acknowledge,
viewers read, only the named incoming person (or an admin) acknowledges, and HANDOVER events are published."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from incidents.events import EventKind
from incidents.store import apply_command
from streams.correlation.commands import CommandKind
from tests.incidents.builders import command
from tests.reports.desk_app import report_desk

NOW = datetime(2026, 11, 5, 12, 0, tzinfo=timezone.utc)
SHIFT = {"shift_label": "night", "shift_start": "2026-11-04T12:00:00Z", "shift_end": "2026-11-05T00:30:00Z",
         "incoming": "li.na", "notes": "UPS-1 twice on battery"}


@pytest.fixture
def desk(migrated_db):
    _, sessions = migrated_db
    with sessions.begin() as session:
        cmd = command(CommandKind.OPEN, "k1")
        apply_command(session=session, command=replace(cmd, alert=replace(cmd.alert, starts_at=NOW)), now=NOW)
    return report_desk(sessions, NOW)


def test_write_acknowledge_and_read(desk):
    zhang = desk.login("zhang.wei")
    written = zhang.post("/api/handovers", json=SHIFT, headers={"Idempotency-Key": "h-1", "X-Alertdesk-Via": "ui"})
    assert written.status_code == 200, written.text
    body = written.json()
    assert (body["outgoing"], body["incoming"], body["written_via"]) == ("zhang.wei", "li.na", "ui")
    assert [item["title"] for item in body["snapshot"]["incidents"]] == ["UPS trouble in g1"]
    assert [(e.kind, e.actor) for e in desk.published] == [(EventKind.HANDOVER, "zhang.wei")]
    again = zhang.post("/api/handovers", json=SHIFT, headers={"Idempotency-Key": "h-1"})
    assert again.json()["id"] == body["id"]
    conflict = zhang.post("/api/handovers", json=SHIFT)
    assert conflict.status_code == 409 and "already handed over" in conflict.json()["detail"]

    refused = zhang.post(f"/api/handovers/{body['id']}/acknowledge")
    assert refused.status_code == 403 and "li.na" in refused.json()["detail"]
    acked = desk.login("li.na").post(f"/api/handovers/{body['id']}/acknowledge")
    assert (acked.status_code, acked.json()["acknowledged_by"]) == (200, "li.na")
    desk.clock.advance(minutes=5)
    second = desk.login("ada").post(f"/api/handovers/{body['id']}/acknowledge")
    assert (second.json()["acknowledged_by"], second.json()["acknowledged_at"]) == ("li.na", "2026-11-05T12:00:00.000Z")
    assert desk.login("li.na").post("/api/handovers/999/acknowledge").status_code == 404

    viewer = desk.login("vic")
    listing = viewer.get("/api/handovers").json()
    assert (listing["total"], listing["items"][0]["acknowledged_by"]) == (1, "li.na")
    assert viewer.get(f"/api/handovers/{body['id']}").json()["notes"] == "UPS-1 twice on battery"
    assert viewer.get("/api/handovers/999").status_code == 404


def test_viewers_cannot_write_and_others_cannot_write_for_someone(desk):
    assert desk.login("vic").post("/api/handovers", json=SHIFT).status_code == 403
    for_someone = desk.login("li.na").post("/api/handovers", json={**SHIFT, "outgoing": "zhang.wei",
                                                                  "incoming": "vic"})
    assert for_someone.status_code == 403
    by_admin = desk.login("ada").post("/api/handovers", json={**SHIFT, "outgoing": "zhang.wei"})
    assert (by_admin.status_code, by_admin.json()["written_by"]) == (200, "ada")


def test_bad_bodies_are_422(desk):
    client = desk.login("zhang.wei")
    assert client.post("/api/handovers", json={**SHIFT, "incoming": "zhang.wei"}).status_code == 422
    assert client.post("/api/handovers", json={**SHIFT, "colour": "red"}).status_code == 422
    naive = client.post("/api/handovers", json={**SHIFT, "shift_start": "2026-11-04T12:00:00"})
    assert naive.status_code == 422 and "time zone" in naive.json()["detail"]
