"""The report API, CSV export and monthly HTML on SQLite and PostgreSQL, over incidents written through the real
incident store and actions, pages and escalations as the pager writes them, checked against numbers computed by hand.

Month 2026-11 in Asia/Shanghai; the clock reads 2026-12-01. Incidents (P1 15m/4h, P2 30m/8h, P3 2h/24h, P5 24h/168h):
  #a P1 power/erp, major: paged line 1 at +0, acknowledged +5m, resolved +65m (3 alerts)
  #b P2 cooling: paged line 1 at +0 and line 2 at +10m (a third page cancelled), acknowledged +20m, resolved +3h
  #c P3 other: assigned to line2, never acknowledged, resolved +1h
  #d P5 other: still open; and a drill and an October incident that the November report leaves out.
"""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from incidents import actions
from incidents.models import Incident
from incidents.store import apply_command
from notify.models import Escalation, OutboxMessage
from streams.correlation.commands import CommandKind, IncidentFacts
from tests.incidents.builders import command
from tests.reports.desk_app import report_desk

T0 = datetime(2026, 11, 3, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
NOW = datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc)
POLICY = {
    "id": "default", "name": "default", "repeat": 0, "no_progress_after_s": None,
    "levels": [{"targets": [{"kind": "group", "id": "line1"}], "after_s": 600},
               {"targets": [{"kind": "group", "id": "line2"}], "after_s": 600}],
}
MINUTE = timedelta(minutes=1)


def _open(session, key, at, *, alerts=1, **facts) -> int:
    """Open an incident through the store at `at` with `alerts` alerts starting then."""
    base = command(CommandKind.OPEN, key, f"g-{key}", f"{key}-0")
    cmd = replace(base, facts=IncidentFacts(**facts), alert=replace(base.alert, starts_at=at, received_at=at))
    opened = apply_command(session=session, command=cmd, now=at)[0]  # OPENED (then MAJOR_DECLARED for a major)
    for n in range(1, alerts):
        attach = command(CommandKind.ATTACH, key, f"g-{key}", f"{key}-{n}")
        apply_command(session=session, command=replace(attach, alert=replace(attach.alert, starts_at=at)), now=at)
    return opened.incident_id


def _page(session, incident_id, step, person, at, status="sent"):
    session.add(OutboxMessage(
        page_key=f"{incident_id}/1/page/{step}/{person}", incident_id=incident_id, event_id="e", purpose="page",
        cycle=1, escalation_level=step, recipient=person, channel="console", body="page", status=status,
        due_at=at, created_at=at,
    ))


def _escalation(session, incident_id, at):
    session.add(Escalation(incident_id=incident_id, policy_id="default", policy=POLICY, status="resolved",
                           started_at=at, updated_at=at))


def _act(session, action, incident_id, at, key, **fields):
    action(session=session, incident_id=incident_id, actor="li.na", via="ui", now=at, request_id=key, **fields)


@pytest.fixture
def desk(migrated_db):
    _, sessions = migrated_db
    with sessions.begin() as session:
        a = _open(session, "a", T0, alerts=3, priority="P1", category="power", services=("erp",), major=True)
        _escalation(session, a, T0)
        _page(session, a, 1, "zhang.wei", T0)
        _act(session, actions.acknowledge, a, T0 + 5 * MINUTE, "a-ack")
        _act(session, actions.resolve, a, T0 + 65 * MINUTE, "a-res")
        b_at = T0 + timedelta(days=1)
        b = _open(session, "b", b_at, priority="P2", category="cooling")
        _escalation(session, b, b_at)
        _page(session, b, 1, "zhang.wei", b_at)
        _page(session, b, 2, "li.na", b_at + 10 * MINUTE)
        _page(session, b, 2, "wang.fang", b_at + 10 * MINUTE, status="cancelled")
        _act(session, actions.acknowledge, b, b_at + 20 * MINUTE, "b-ack")
        _act(session, actions.resolve, b, b_at + 180 * MINUTE, "b-res")
        c_at = T0 + timedelta(days=2)
        c = _open(session, "c", c_at, priority="P3")
        _escalation(session, c, c_at)
        _act(session, actions.assign, c, c_at + MINUTE, "c-asg", assignee="line2")
        _act(session, actions.resolve, c, c_at + 60 * MINUTE, "c-res")
        _open(session, "d", T0 + timedelta(days=3), priority="P5")
        drill = _open(session, "drill", T0, priority="P1")
        session.get(Incident, drill).drill = True
        _open(session, "october", datetime(2026, 10, 31, 15, tzinfo=timezone.utc), priority="P1")  # 23:00 Oct 31
    return report_desk(sessions, NOW)


NOVEMBER = {"from": "2026-10-31T16:00:00Z", "to": "2026-11-30T16:00:00Z"}


def test_summary_by_priority_matches_the_hand_computed_numbers(desk):
    body = desk.login("vic").get("/api/reports/summary", params=NOVEMBER).json()
    total = body["total"]
    assert (total["count"], total["resolved"]) == (4, 3)
    assert total["mtta"] == {"count": 2, "mean_s": 750.0, "median_s": 750.0, "p90_s": 1200.0}
    assert total["mttr"] == {"count": 3, "mean_s": 6100.0, "median_s": 3900.0, "p90_s": 10800.0}
    assert (total["first_line_resolved"], total["first_line_rate"]) == (1, pytest.approx(1 / 3))
    assert total["sla_response"] == {"met": 2, "breached": 2, "pending": 0, "rate": 0.5}
    assert total["sla_resolution"] == {"met": 3, "breached": 1, "pending": 0, "rate": 0.75}
    assert [(g["key"], g["count"]) for g in body["groups"]] == [("P1", 1), ("P2", 1), ("P3", 1), ("P5", 1)]
    assert (body["timezone"], body["bucket"], len(body["counts"])) == ("Asia/Shanghai", "day", 30)
    counts = {c["bucket"]: c["incidents"] for c in body["counts"]}
    assert (counts["2026-11-01"], counts["2026-11-03"], counts["2026-11-04"]) == (0, 1, 1)
    noise = {p["bucket"]: p for p in body["noise"]}
    assert (noise["2026-11-03"]["alerts"], noise["2026-11-03"]["pages"], noise["2026-11-04"]["pages"]) == (3, 1, 2)
    assert sum(p["alerts"] for p in body["noise"]) == 6 and sum(p["pages"] for p in body["noise"]) == 3


def test_summary_by_line_category_service_and_filters(desk):
    client = desk.login("vic")
    by_line = client.get("/api/reports/summary", params={**NOVEMBER, "by": "line"}).json()
    lines = [(g["key"], g["count"], g["mtta"]["mean_s"]) for g in by_line["groups"]]
    assert lines == [("1", 3, 300.0), ("2", 1, 1200.0)]
    by_service = client.get("/api/reports/summary", params={**NOVEMBER, "by": "service"}).json()
    assert [(g["key"], g["count"]) for g in by_service["groups"]] == [("erp", 1), ("(none)", 3)]
    only_p2 = client.get("/api/reports/summary", params={**NOVEMBER, "priority": "P2", "bucket": "week"}).json()
    assert only_p2["total"]["count"] == 1 and only_p2["counts"][0]["bucket"] == "2026-10-26"
    assert client.get("/api/reports/summary", params={**NOVEMBER, "service": "erp"}).json()["total"]["count"] == 1
    assert client.get("/api/reports/summary", params={**NOVEMBER, "site": "elsewhere"}).json()["total"]["count"] == 0


def test_bad_parameters_are_422_with_the_reason(desk):
    client = desk.login("vic")
    backwards = client.get("/api/reports/summary", params={"from": NOVEMBER["to"], "to": NOVEMBER["from"]})
    assert backwards.status_code == 422 and "after" in backwards.json()["detail"]
    assert client.get("/api/reports/summary", params={**NOVEMBER, "by": "colour"}).status_code == 422
    assert client.get("/reports/monthly", params={"month": "2026-13"}).status_code == 422
    assert client.get("/reports/monthly", params={"month": "2026-11", "lang": "fr"}).status_code == 422


def test_csv_export_has_one_row_per_incident_with_timings(desk):
    response = desk.login("vic").get("/api/reports/incidents.csv", params=NOVEMBER)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")  # Excel's BOM
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["priority"] for row in rows] == ["P1", "P2", "P3", "P5"]
    a, b, c, d = rows
    assert (a["time_to_acknowledge_s"], a["time_to_resolve_s"], a["support_line"], a["pages"]) == (
        "300", "3900", "1", "1"
    )
    assert (a["response_sla"], a["resolution_sla"], a["first_line_resolved"], a["major"]) == (
        "met", "met", "yes", "yes"
    )
    assert (b["support_line"], b["max_level_paged"], b["first_line_resolved"], b["pages"]) == ("2", "2", "no", "2")
    assert (c["assignee"], c["first_line_resolved"], c["response_sla"]) == ("line2", "no", "breached")
    assert (d["status"], d["time_to_resolve_s"], d["resolution_sla"]) == ("triggered", "", "breached")
    assert a["response_due_at"] == "2026-11-03T02:15:00.000Z"


def test_monthly_report_in_both_languages_contains_the_numbers(desk):
    client = desk.login("li.na")
    handover = client.post("/api/handovers", json={
        "shift_label": "白班 day", "shift_start": "2026-11-30T00:00:00Z", "shift_end": "2026-11-30T12:00:00Z",
        "incoming": "zhang.wei", "notes": "交接",
    })
    assert handover.status_code == 200, handover.text
    zh = client.get("/reports/monthly", params={"month": "2026-11", "lang": "zh-CN"})
    assert zh.status_code == 200 and zh.headers["content-type"].startswith("text/html")
    page = zh.text
    assert '<html lang="zh-CN">' in page and "月度服务报告 2026-11" in page
    for number in ("12m 30s", "1h 41m", "33.3%", "50.0% (2 / 4 达成)", "75.0% (3 / 4 达成)", "66.7%"):
        assert number in page, number  # MTTA and MTTR means, first line, SLA, noise reduction 1 - 4/6
    assert page.count("<svg") == 2 and "@media print" in page and "<script" not in page
    assert "UPS trouble in g-a" in page and "白班 day" in page and "li.na → zhang.wei" in page
    en = client.get("/reports/monthly", params={"month": "2026-11", "lang": "en"}).text
    assert "Monthly service report 2026-11" in en and "First-line resolution rate" in en
    assert "50.0% (2 of 4 met)" in en and "not acknowledged" in en
    assert "UPS trouble in g-drill" not in en and "UPS trouble in g-october" not in en


def test_monthly_language_follows_the_browser_and_the_index_links_months(desk):
    client = desk.login("vic")
    page = client.get("/reports/monthly", params={"month": "2026-11"}, headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "Monthly service report" in page.text
    index = client.get("/reports", params={"lang": "en"}).text
    for month in ("2026-12", "2026-11", "2026-10"):
        assert f"/reports/monthly?month={month}&amp;lang=en" in index


def test_reports_need_a_signed_in_viewer(desk):
    from fastapi.testclient import TestClient

    anonymous = TestClient(desk.app)
    assert anonymous.get("/api/reports/summary").status_code == 401
    page = anonymous.get("/reports", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_paging_facts_map_steps_of_a_repeating_policy_to_levels(migrated_db):
    from notify.report_facts import paging_facts

    _, sessions = migrated_db
    with sessions.begin() as session:
        incident_id = _open(session, "r", T0, priority="P1")
        session.add(Escalation(incident_id=incident_id, policy_id="default", policy={**POLICY, "repeat": 1},
                               status="exhausted", started_at=T0, updated_at=T0))
        for step, person in ((1, "zhang.wei"), (2, "li.na"), (3, "zhang.wei")):
            _page(session, incident_id, step, person, T0 + step * 10 * MINUTE)
        session.add(OutboxMessage(
            page_key=f"{incident_id}/1/major/0/boss", incident_id=incident_id, event_id="e", purpose="major", cycle=1,
            escalation_level=0, recipient="boss", channel="console", body="major", status="sent", due_at=T0,
            created_at=T0,
        ))
    with sessions() as session:
        facts = paging_facts(session, [incident_id, 9999])[incident_id]
    assert [(page.level, page.recipient) for page in facts.pages] == [
        (0, "boss"), (1, "zhang.wei"), (2, "li.na"), (1, "zhang.wei")
    ]
    assert facts.level_targets == (frozenset({"line1"}), frozenset({"line2"}))
