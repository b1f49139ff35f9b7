"""The desk's pages and forms over FastAPI's TestClient, behind the real access middleware (sign-in, roles, CSRF),
on a migrated SQLite and PostgreSQL database, with the published events collected in a list."""
from __future__ import annotations

import hashlib
import html
import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from access import store
from access.web import AccessService, access_router, install_access
from desk.web import desk_router
from incidents.action_service import IncidentActions
from incidents.events import IncidentEvent
from incidents.models import Incident
from incidents.store import apply_command
from notify.models import OutboxMessage
from streams.clock import FakeClock
from streams.correlation.commands import CommandKind
from tests.incidents.builders import NOW, command

PASSWORD = "correct horse battery"
STATIC = Path(__file__).parents[2] / "desk" / "static"


class Desk:
    """The desk app with two incidents (`major`: P1 and major, `minor`: P3) and users op, viewer and li (English)."""

    def __init__(self, sessions) -> None:
        self.sessions = sessions
        self.clock = FakeClock(NOW + timedelta(minutes=3))
        self.published: list[IncidentEvent] = []
        with sessions.begin() as session:
            for username, role, language in (("op", "operator", None), ("viewer", "viewer", None), ("li", "operator", "en")):
                store.add_user(session=session, username=username, role=role, password=PASSWORD, now=NOW,
                               display_name=f"{username} name", language=language)
            [major] = apply_command(session=session, command=command(CommandKind.OPEN, "k1", "g1", "fp1"), now=NOW)
            [minor] = apply_command(session=session, command=command(CommandKind.OPEN, "k2", "g2", "fp2"), now=NOW)
            session.execute(update(Incident).where(Incident.id == major.incident_id).values(
                priority="P1", major=True, title="UPS-A on battery", site="sh1"))
            session.execute(update(Incident).where(Incident.id == minor.incident_id).values(
                priority="P3", title="Aircon filter dirty", site="bj2"))
        self.major, self.minor = major.incident_id, minor.incident_id
        access = AccessService(sessions, self.clock)
        actions = IncidentActions(sessions, self.publish, clock=self.clock, publish_timeout_s=1.0)
        app = FastAPI()
        install_access(app, access)
        app.include_router(access_router(access))
        app.include_router(desk_router(sessions=sessions, clock=self.clock, actions=actions))
        self.app = app

    async def publish(self, event: IncidentEvent) -> None:
        self.published.append(event)

    def client(self, username: str | None = None, **headers: str) -> TestClient:
        """A browser, signed in as `username` when given."""
        client = TestClient(self.app, headers={"accept": "text/html", **headers}, follow_redirects=False)
        if username:
            signed_in = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/"})
            assert signed_in.status_code == 303, signed_in.text
        return client


@pytest.fixture
def desk(migrated_db) -> Desk:
    return Desk(migrated_db[1])


def form(page: str, action: str) -> dict[str, str]:
    """The hidden fields (CSRF token, request id) of one action's form on an incident page."""
    found = re.search(rf'action="/incidents/\d+/actions/{action}".*?</form>', page, re.S)
    assert found, f"no {action} form on the page"
    return dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', found.group(0)))


def text_of(html: str) -> str:
    """The page's text without tags, whitespace collapsed (what a person reads)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_board_shows_the_major_banner_and_orders_by_priority(desk):
    page = desk.client("op").get("/")
    assert page.status_code == 200
    assert 'id="major-banner"' in page.text and "重大事件进行中：1 个" in page.text
    rows = re.findall(r'data-incident="(\d+)"', page.text)
    assert rows == [str(desk.major), str(desk.minor)]
    assert 'hx-get="/board/live?"' in page.text and 'hx-trigger="every 5s"' in page.text


def test_filters_narrow_the_table_but_never_hide_the_major_banner(desk):
    client = desk.client("op")
    page = client.get("/", params={"site": "bj2"})
    assert re.findall(r'data-incident="(\d+)"', page.text) == [str(desk.minor)]
    assert 'id="major-banner"' in page.text
    assert 'hx-get="/board/live?site=bj2"' in page.text
    assert re.findall(r'data-incident="(\d+)"', client.get("/", params={"q": "aircon"}).text) == [str(desk.minor)]
    assert re.findall(r'data-incident="(\d+)"', client.get("/", params={"status": "closed"}).text) == []


def test_a_bad_filter_answers_400_with_the_reason_and_the_open_board(desk):
    page = desk.client("op").get("/", params={"priority": "P0"})
    assert page.status_code == 400
    assert "priority &#39;P0&#39; is not one of P1, P2, P3, P4, P5" in page.text
    assert len(re.findall(r'data-incident="(\d+)"', page.text)) == 2


def test_the_polled_fragment_is_the_banner_and_table_only(desk):
    fragment = desk.client("op").get("/board/live", params={"major": "1"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="board-live" hx-get="/board/live?major=1"')
    assert "<nav" not in fragment.text
    assert re.findall(r'data-incident="(\d+)"', fragment.text) == [str(desk.major)]


def test_language_is_the_users_then_the_cookie_then_the_browsers(desk):
    browser = desk.client("op", **{"accept-language": "en-US,en;q=0.9"})
    assert "Incident board" in browser.get("/").text
    switched = browser.get("/lang/zh-CN", params={"next": "/?site=sh1"})
    assert switched.status_code == 303 and switched.headers["location"] == "/?site=sh1"
    assert "事件看板" in browser.get("/").text  # the cookie beats the browser
    assert browser.get("/lang/en", params={"next": "https://evil.example/"}).headers["location"] == "/"
    assert browser.get("/lang/fr").status_code == 404
    chinese_browser = desk.client("li", **{"accept-language": "zh-CN"})
    chinese_browser.get("/lang/zh-CN")
    assert "Incident board" in chinese_browser.get("/").text  # li's own setting (en) beats the cookie


def test_signed_out_browsers_go_to_the_login_page(desk):
    answer = desk.client().get("/incidents/1")
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/incidents/1"


def test_the_incident_page_shows_header_root_cause_alerts_timeline_pages_and_the_runbook_placeholder(desk):
    with desk.sessions.begin() as session:
        session.add_all([
            OutboxMessage(page_key="p1", incident_id=desk.major, event_id="e1", recipient="wang.fang", channel="sms",
                          address="+8613800000000", body="UPS-A", status="sent", due_at=NOW, created_at=NOW, sent_at=NOW),
            OutboxMessage(page_key="p2", incident_id=desk.major, event_id="e1", recipient="zhao.lei", channel="voice",
                          body="UPS-A", status="not_sent", reason="no_contact", due_at=NOW, created_at=NOW),
        ])
    page = desk.client("op", **{"accept-language": "en"}).get(f"/incidents/{desk.major}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Incident #%d · UPS-A on battery MAJOR" % desk.major in text
    assert "Status triggered" in text and "Assignee unassigned" in text
    assert "UpsOnBattery ups-fp1 snmp firing" in text  # the attached alert
    assert "opened system system" in text  # the timeline: what, who, via
    assert "wang.fang sms +8613800000000 sent" in text
    assert "zhao.lei voice not sent no_contact" in text
    assert f'hx-get="/incidents/{desk.major}/runbook-panel" hx-trigger="load"' in page.text
    assert "Loading the runbook…" in text
    assert [f'id="do-{action}"' in page.text for action in ("acknowledge", "resolve", "assign", "note", "close")] == [
        True, True, True, True, False]


def test_an_operator_acknowledges_assigns_and_notes_and_the_timeline_shows_who_and_via_ui(desk):
    browser = desk.client("op", **{"accept-language": "en"})
    url = f"/incidents/{desk.major}"
    done = browser.post(f"{url}/actions/acknowledge", data={**form(browser.get(url).text, "acknowledge"), "note": "on it"})
    assert done.status_code == 303 and done.headers["location"] == url
    browser.post(f"{url}/actions/assign", data={**form(browser.get(url).text, "assign"), "assignee": "line2"})
    browser.post(f"{url}/actions/note", data={**form(browser.get(url).text, "note"), "text": "generator started"})
    text = text_of(browser.get(url).text)
    assert "Status acknowledged" in text and "Assignee line2" in text
    assert "acknowledged op web on it" in text
    assert "assigned op web assigned to line2" in text
    assert "note op web generator started" in text
    assert [(e.kind, e.actor, e.via) for e in desk.published] == [
        ("acknowledged", "op", "ui"), ("assigned", "op", "ui"), ("note_added", "op", "ui")]


def test_an_illegal_transition_shows_the_reason_and_a_double_click_acts_once(desk):
    browser = desk.client("op", **{"accept-language": "en"})
    url = f"/incidents/{desk.minor}"
    fields = form(browser.get(url).text, "acknowledge")
    stale = form(browser.get(url).text, "acknowledge")  # a second tab, opened before the first acknowledged
    assert browser.post(f"{url}/actions/acknowledge", data=fields).status_code == 303
    assert browser.post(f"{url}/actions/acknowledge", data=fields).status_code == 303  # same request id: once
    refused = browser.post(f"{url}/actions/acknowledge", data=stale)
    assert refused.status_code == 409
    assert re.search(r"Refused:.*cannot acknowledge: incident \d+ is already acknowledged by op", text_of(refused.text))
    # The repeat re-announces the recorded event (consumers are idempotent on event_id); nothing new happened.
    assert {(e.kind, e.event_id) for e in desk.published} == {("acknowledged", desk.published[0].event_id)}
    assert text_of(browser.get(url).text).count("acknowledged op web") == 1


def test_bad_forms_are_refused_in_the_users_language(desk):
    browser = desk.client("op")
    url = f"/incidents/{desk.minor}"
    blank = browser.post(f"{url}/actions/assign", data={**form(browser.get(url).text, "assign"), "assignee": " "})
    assert blank.status_code == 422 and "请填写：人员或支持组" in blank.text
    unknown = browser.post(f"{url}/actions/explode", data=form(browser.get(url).text, "note"))
    assert unknown.status_code == 404 and "没有“explode”这个操作。" in unknown.text
    missing = browser.post("/incidents/999/actions/note", data={**form(browser.get(url).text, "note"), "text": "x"})
    assert missing.status_code == 404 and "没有编号为 999 的事件。" in missing.text
    assert browser.get("/incidents/999").status_code == 404
    assert desk.published == []


def test_a_viewer_sees_no_buttons_and_cannot_act(desk):
    browser = desk.client("viewer", **{"accept-language": "en"})
    url = f"/incidents/{desk.major}"
    page = browser.get(url).text
    assert "Your role is viewer: you can look but not act." in page
    assert "do-acknowledge" not in page
    operator_fields = form(desk.client("op").get(url).text, "acknowledge")
    refused = browser.post(f"{url}/actions/acknowledge", data=operator_fields)
    assert refused.status_code == 403 and "needs role operator; viewer is viewer" in refused.text
    assert desk.published == []


def test_a_form_without_the_sessions_csrf_token_is_refused(desk):
    browser = desk.client("op")
    url = f"/incidents/{desk.major}"
    fields = {**form(browser.get(url).text, "acknowledge"), "csrf_token": "forged"}
    refused = browser.post(f"{url}/actions/acknowledge", data=fields)
    assert refused.status_code == 403 and "CSRF token" in refused.text
    assert desk.published == []


def test_every_page_carries_the_csrf_token_for_htmx_and_forms(desk):
    page = desk.client("op").get("/").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert f"hx-headers='{{\"X-CSRF-Token\": \"{token}\"}}'" in page


def test_static_files_are_served_and_htmx_is_the_vendored_version(desk):
    browser = desk.client()
    htmx = browser.get("/static/htmx.min.js")
    assert htmx.status_code == 200 and htmx.headers["content-type"].startswith("text/javascript")
    recorded = re.search(r"`([0-9a-f]{64})` \|$", (STATIC / "VENDORED.md").read_text("utf-8"), re.M).group(1)
    assert hashlib.sha256(htmx.content).hexdigest() == recorded
    assert browser.get("/static/desk.css").headers["content-type"].startswith("text/css")
    assert browser.get("/static/VENDORED.md").status_code == 404
    assert browser.get("/static/..%2Fweb.py").status_code == 404


def test_an_operator_opens_a_phoned_in_incident_from_the_form_and_a_double_click_opens_one(desk):
    browser = desk.client("op", **{"accept-language": "en"})
    page = browser.get("/incidents/new")
    assert page.status_code == 200 and "Report an incident" in page.text
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    fields = {**hidden, "title": "Core banking slow for tellers", "category": "application", "impact": "high",
              "urgency": "high", "site": "sh1", "services": "core-banking, teller", "description": "branch 12 called"}
    first = browser.post("/incidents/new", data=fields)
    again = browser.post("/incidents/new", data=fields)
    assert first.status_code == again.status_code == 303 and first.headers["location"] == again.headers["location"]
    text = text_of(browser.get(first.headers["location"]).text)
    assert "Core banking slow for tellers" in text and "P1" in text and "reported by op: branch 12 called" in text
    # the second click returns (and announces again) the first one's events: one incident, the same two events
    assert {(e.event_id, e.kind, e.actor, e.via) for e in desk.published} == {
        (e.event_id, e.kind, "op", "ui") for e in desk.published[:2]}
    assert [e.kind for e in desk.published[:2]] == ["opened", "major_declared"]


def test_a_bad_report_shows_the_form_again_with_the_reason_and_a_viewer_cannot_open_one(desk):
    browser = desk.client("op", **{"accept-language": "en"})
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', browser.get("/incidents/new").text))
    refused = browser.post("/incidents/new", data={**hidden, "title": " ", "category": "other", "impact": "low",
                                                   "urgency": "low", "description": "kept"})
    assert refused.status_code == 422 and "Title: required" in refused.text and "kept" in refused.text
    odd = browser.post("/incidents/new", data={**hidden, "title": "x", "category": "other", "impact": "huge", "urgency": "low"})
    assert odd.status_code == 422 and "Impact cannot be 'huge'" in html.unescape(odd.text)
    assert desk.published == []
    assert desk.client("viewer").get("/incidents/new").status_code == 403
