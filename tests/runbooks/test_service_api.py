"""Executions end to end on SQLite and PostgreSQL: automatic start, sign-off over the API, second operator,
allow-list, overdue timer, timeline, pending steps, drills and their report, and the incident page's panel."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from access.web import Role
from incidents.models import Incident, TimelineEvent
from runbooks.queries import pending_steps
from tests.runbooks.harness import add_incident, make_desk, opened, person

pytestmark = pytest.mark.asyncio


@pytest.fixture
def desk(migrated_db):
    return make_desk(migrated_db[1])


def step(client, execution_id, step_id, verb, **body):
    return client.post(f"/api/runbook-executions/{execution_id}/steps/{step_id}", json={"verb": verb, **body})


def execution(client, execution_id):
    return client.get(f"/api/runbook-executions/{execution_id}").json()


async def test_a_matching_incident_starts_its_runbooks_once_and_says_so_on_the_timeline(desk):
    incident_id = add_incident(desk.sessions, alertname="UPSOnBattery")
    await desk.service.on_event(opened(incident_id))
    await desk.service.on_event(opened(incident_id))  # a replayed event
    await desk.service.on_event(opened(incident_id, "major_declared"))  # matches again: still one each
    client = desk.client()
    listed = client.get(f"/api/incidents/{incident_id}/runbooks").json()
    assert sorted(e["runbook_id"] for e in listed["executions"]) == ["sample", "ups-on-battery"]
    assert desk.kinds() == ["runbook_started", "runbook_started"]
    with desk.sessions() as session:
        details = session.scalars(select(TimelineEvent.detail).where(TimelineEvent.kind == "runbook_started")).all()
    assert any("UPS on battery / utility power loss started by system" in d for d in details)


async def test_a_burst_of_events_starts_each_incidents_runbooks_once_in_one_transaction(desk):
    ups = add_incident(desk.sessions, alertname="UPSOnBattery")
    other = add_incident(desk.sessions, key="i2")
    burst = [opened(ups), opened(other), opened(ups, "major_declared"), opened(ups, "note_added")]
    transactions = []
    event.listen(desk.sessions.kw["bind"], "begin", transactions.append)
    started = await desk.service.on_events(burst)
    assert len(transactions) == 1
    assert sorted((e.incident_id, e.detail.split()[1]) for e in started) == [
        (ups, "sample"), (ups, "ups-on-battery"), (other, "sample"), (other, "ups-on-battery"),
    ]
    assert await desk.service.on_events(burst) == []  # replayed: nothing new
    assert await desk.service.on_events([opened(ups, "note_added")]) == []  # no trigger looks at notes
    assert len(transactions) == 2  # ... and that took no transaction


async def test_an_event_whose_runbooks_all_started_reads_no_alerts_and_others_read_only_names_and_labels(migrated_db):
    desk = make_desk(migrated_db[1], only_sample=True)  # starts on opened and major
    incident_id = add_incident(desk.sessions)
    assert len(await desk.service.on_events([opened(incident_id)])) == 1
    statements: list[str] = []
    event.listen(desk.sessions.kw["bind"], "before_cursor_execute", lambda *args: statements.append(args[2]))
    assert await desk.service.on_events([opened(incident_id), opened(incident_id, "major_declared")]) == []
    assert statements and not [sql for sql in statements if "incident_alerts" in sql]
    other = add_incident(desk.sessions, key="i2", category="network", priority="P3", alertname="Other")
    statements.clear()
    assert await desk.service.on_events([opened(other)]) == []  # nothing matches, so its alerts were read
    (alerts_read,) = [sql for sql in statements if "incident_alerts" in sql]
    assert alerts_read.startswith("SELECT incident_alerts.name, incident_alerts.labels \nFROM incident_alerts")


async def test_steps_are_signed_off_by_named_operators_and_a_dangerous_one_needs_a_second(desk):
    incident_id = add_incident(desk.sessions, category="other", root_kind=None)
    client = desk.client()
    started = client.post(f"/api/incidents/{incident_id}/runbooks", json={"runbook_id": "sample"})
    assert started.status_code == 201
    ex = started.json()["execution_id"]
    assert step(client, ex, "choose", "complete", choice="slow").status_code == 409  # not the current step
    assert step(client, ex, "look", "complete", note="normal").status_code == 200
    assert step(client, ex, "choose", "complete").json()["detail"] == "step 'choose' is a decision: choose one of fast, slow"
    assert step(client, ex, "choose", "complete", choice="slow").status_code == 200
    assert step(client, ex, "bypass", "complete").status_code == 200
    refused = step(client, ex, "bypass", "confirm")
    assert refused.status_code == 409 and "second, different operator" in refused.json()["detail"]
    desk.principal = person("wang.fang")
    assert step(client, ex, "bypass", "confirm").status_code == 200
    steps = {s["step_id"]: s for s in execution(client, ex)["steps"]}
    assert (steps["look"]["by"], steps["look"]["note"], steps["look"]["at"]) == ("li.wei", "normal", "2026-11-01T02:00:00.000Z")
    assert (steps["bypass"]["by"], steps["bypass"]["confirmed_by"], steps["bypass"]["status"]) == ("li.wei", "wang.fang", "done")
    desk.principal = person("viewer", role=Role.VIEWER)
    assert step(client, ex, "query", "approve").status_code == 403


async def test_an_approved_action_runs_and_a_command_off_the_allow_list_cannot(migrated_db):
    for allowed, status, output in ((frozenset({"echo"}), "done", "exit 0: A01"), (frozenset(), "failed", "refused: ")):
        desk = make_desk(migrated_db[1], allowed)
        incident_id = add_incident(desk.sessions, category="other", labels={"rack": "A01"}, key=f"k{len(allowed)}")
        client = desk.client()
        ex = client.post(f"/api/incidents/{incident_id}/runbooks", json={"runbook_id": "sample"}).json()["execution_id"]
        for step_id, verb, extra in (("look", "complete", {}), ("choose", "complete", {"choice": "slow"}),
                                     ("bypass", "complete", {}), ("bypass", "confirm", {"by": "wang"})):
            desk.principal = person("wang" if verb == "confirm" else "li", via="token" if verb == "confirm" else "session")
            assert step(client, ex, step_id, verb, **extra).status_code == 200
        plan = client.get(f"/api/runbook-executions/{ex}/steps/query/plan").json()
        assert plan["display"].startswith("$ echo A01") and plan["allowed"] is bool(allowed)
        assert step(client, ex, "query", "approve").status_code == 200
        query = {s["step_id"]: s for s in execution(client, ex)["steps"]}["query"]
        assert query["status"] == status and query["action_output"].startswith(output)


async def test_an_overdue_step_is_announced_once(desk):
    incident_id = add_incident(desk.sessions, category="other")
    ex, _ = await desk.service.start(incident_id, "sample", actor="li", via="api")
    desk.clock.advance(minutes=4)
    assert await desk.service.run_overdue() == 0
    desk.clock.advance(minutes=2)
    assert await desk.service.run_overdue() == 1
    assert await desk.service.run_overdue() == 0
    overdue = desk.published[-1]
    assert overdue.kind == "runbook_step_overdue" and "step 'look'" in overdue.detail
    with desk.sessions() as session:
        (pending,) = pending_steps(session)
    assert pending["step_title"] == {"zh-CN": "查看", "en": "Look"} and pending["overdue"] and pending["execution_id"] == ex


async def test_abort_and_rollback_are_on_the_timeline(desk):
    incident_id = add_incident(desk.sessions, category="other")
    client = desk.client()
    ex = client.post(f"/api/incidents/{incident_id}/runbooks", json={"runbook_id": "sample"}).json()["execution_id"]
    assert client.post(f"/api/runbook-executions/{ex}/abort", json={}).status_code == 409  # no reason
    assert client.post(f"/api/runbook-executions/{ex}/abort", json={"reason": "wrong runbook"}).status_code == 200
    assert client.post(f"/api/runbook-executions/{ex}/rollback", json={"reason": "undo"}).status_code == 200
    assert step(client, ex, "undo", "complete").status_code == 200
    assert execution(client, ex)["status"] == "rolled_back"
    assert desk.kinds()[-5:] == ["runbook_step", "runbook_finished", "runbook_step", "runbook_step", "runbook_finished"]


async def test_a_drill_opens_a_marked_incident_and_reports_time_per_step(desk):
    client = desk.client()
    assert client.post("/api/runbooks/sample/drills", json={"participants": [" "]}).status_code == 422
    started = client.post("/api/runbooks/sample/drills", json={"participants": ["li.wei", "wang.fang"]}).json()
    with desk.sessions() as session:
        incident = session.get(Incident, started["incident_id"])
        assert (incident.drill, incident.drill_participants, incident.status) == (True, ["li.wei", "wang.fang"], "triggered")
        incident.acknowledged_at, incident.acknowledged_by = desk.clock.advance(seconds=90), "li.wei"
        session.commit()
    assert desk.kinds() == ["opened", "runbook_started"]
    ex = started["execution_id"]
    desk.clock.advance(minutes=6)
    step(client, ex, "look", "complete")
    step(client, ex, "choose", "complete", choice="fast")
    desk.clock.advance(minutes=1)
    step(client, ex, "finish", "complete")
    report = client.get(f"/api/runbook-executions/{ex}/report").json()
    assert report["status"] == "completed" and report["time_to_acknowledge_s"] == 90
    timing = {s["step_id"]: s for s in report["steps"]}
    assert (timing["look"]["expected_s"], timing["look"]["actual_s"], timing["look"]["over_s"]) == (300, 450, 150)
    assert timing["bypass"]["status"] == "skipped" and timing["finish"]["actual_s"] == 60
    page = client.get(f"/runbooks/drills/{ex}", headers={"accept-language": "en"}).text
    assert "Drill report" in page and "7m30s" in page and "2m30s" in page and "1m30s (li.wei)" in page


async def test_the_panel_shows_the_current_step_escaped_and_moves_on_after_a_post(desk):
    hostile = "<script>alert(1)</script>{{ 7*7 }}"
    incident_id = add_incident(desk.sessions, category="other", labels={"rack": hostile})
    client = desk.client()
    empty = client.get(f"/incidents/{incident_id}/runbook-panel").text
    assert "样例" in empty and "启动" in empty  # the matching runbook is offered, in Chinese by default
    client.post(f"/incidents/{incident_id}/runbook-panel/start", data={"runbook_id": "sample"})
    client.cookies.set("lang", "en")
    panel = client.get(f"/incidents/{incident_id}/runbook-panel").text
    assert "Current step" in panel and "Look at dc1.ups-1" in panel and 'value="complete"' in panel
    moved = client.post(f"/incidents/{incident_id}/runbook-panel/1/step/look", data={"verb": "complete"}).text
    assert "Step 2 of 5: Choose" in moved and 'name="choice" value="fast"' in moved
    client.cookies.set("lang", "zh-CN")
    refused = client.post(f"/incidents/{incident_id}/runbook-panel/1/step/choose", data={"verb": "complete"}).text
    assert "未执行：step &#39;choose&#39; is a decision" in refused and "当前步骤" in refused
    client.post(f"/incidents/{incident_id}/runbook-panel/1/step/choose", data={"verb": "complete", "choice": "slow"})
    client.post(f"/incidents/{incident_id}/runbook-panel/1/step/bypass", data={"verb": "complete"})
    desk.principal = person("wang.fang")
    client.post(f"/incidents/{incident_id}/runbook-panel/1/step/bypass", data={"verb": "confirm"})
    client.cookies.set("lang", "en")
    action = client.get(f"/incidents/{incident_id}/runbook-panel").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in action and "<script>alert" not in action
    assert "Approve action" in action


async def test_a_drill_from_the_ui_starts_with_a_button_and_lands_on_its_report(desk):
    client = desk.client()
    client.cookies.set("lang", "en")
    page = client.get("/runbooks/smoke-fire/drill").text
    assert "Runbook drill: Smoke or fire alarm" in page and 'id="start-drill"' in page and 'name="csrf_token"' in page
    answer = client.post("/runbooks/smoke-fire/drill", data={"participants": "li.wei, wang.fang"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/runbooks/drills/1"
    report = client.get("/runbooks/drills/1").text
    assert "Drill report #1: Smoke or fire alarm" in report and "li.wei, wang.fang" in report
    assert "not acknowledged yet" in report and 'href="/incidents/1"' in report
    assert client.post("/runbooks/smoke-fire/drill", data={"participants": " , "}).status_code == 422
