"""End to end on the real thing: `alertdesk up` (embedded tansu, SQLite) and `alertdesk worker` (PostgreSQL).

An alert goes in over HTTP and comes out as an incident row, an outbox page and a console line.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from alertdesk.runner import EXIT_STOP_OVERRAN, STOP_DEADLINE_S
from incidents.db import sqlalchemy_url
from streams.broker import EmbeddedBroker
from tests.e2e.harness import Pipeline, prometheus_alert, wait_for

pytestmark = pytest.mark.broker


def child_pids(pid: int) -> list[int]:
    """Direct children of `pid`, read from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def pid_alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def outbox_rows(database_url: str) -> list[tuple]:
    """Every console outbox row: (incident_id, recipient, channel, status).

    The embedded default also texts and calls a demo phone through the Twilio fake; those rows are
    the paging tests' concern (tests/e2e/test_paging_e2e.py), the console page is this file's.
    """
    engine = create_engine(sqlalchemy_url(database_url))
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text("SELECT incident_id, recipient, channel, status FROM outbox WHERE channel = 'console' ORDER BY id"))]
    finally:
        engine.dispose()


def cli(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the alertdesk CLI in a child with `env`."""
    return subprocess.run(
        [sys.executable, "-m", "alertdesk", *args], cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=60
    )


def test_up_turns_a_prometheus_alert_into_an_incident_and_a_page(tmp_path: Path, sqlite_env: dict[str, str]) -> None:
    with Pipeline(tmp_path, sqlite_env) as pipeline:
        response = pipeline.post("/api/v2/alerts", [prometheus_alert("UPSOnBattery", instance="ups-1")])
        assert response.status_code == 200, response.text
        assert response.json()["accepted"] == 1

        incidents = wait_for(pipeline.incidents, timeout=30, what="the incident to appear in GET /api/incidents")
        assert [(i["title"], i["severity"], i["status"], i["alert_count"]) for i in incidents] == [
            ("UPSOnBattery at site dc1", "critical", "triggered", 1)
        ]
        detail = pipeline.get(f"/api/incidents/{incidents[0]['id']}").json()
        assert [a["fingerprint"] for a in detail["alerts"]] and detail["timeline"][0]["kind"] == "opened"

        wait_for(lambda: "PAGE console -> on-call" in pipeline.output(), timeout=30, what="the console page line")
        wait_for(
            lambda: outbox_rows(sqlite_env["ALERTDESK_DATABASE_URL"]) == [(incidents[0]["id"], "on-call", "console", "sent")],
            timeout=10, what="the console page marked sent",
        )

        listed = cli(sqlite_env, "incidents", "list", cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert "UPSOnBattery at site dc1" in listed.stdout

        assert pipeline.metric("alertdesk_alerts_received_total", 'source="alertmanager-api"') == 1
        assert wait_for(lambda: pipeline.metric("alertdesk_incidents_opened_total") == 1, timeout=10, what="incidents counter")
        assert pipeline.metric("alertdesk_pages_total", 'channel="console",status="sent"') == 1


def test_malformed_body_is_refused_with_a_reason_and_the_worker_keeps_running(tmp_path: Path, sqlite_env) -> None:
    with Pipeline(tmp_path, sqlite_env) as pipeline:
        not_json = pipeline.post("/api/v2/alerts", "{not json")
        assert not_json.status_code == 400 and "not valid JSON" in not_json.json()["error"]
        no_name = pipeline.post("/api/v2/alerts", [{"labels": {"site": "dc1"}}])
        assert no_name.status_code == 400 and "alertname" in no_name.json()["error"]
        assert pipeline.metric("alertdesk_alerts_invalid_total", 'source="alertmanager-api"') == 2

        assert pipeline.post("/api/v2/alerts", [prometheus_alert("DiskFull")]).status_code == 200
        wait_for(pipeline.incidents, timeout=30, what="an incident after the bad requests")


def test_the_same_alert_sent_a_thousand_times_makes_one_incident_and_one_page(tmp_path: Path, sqlite_env) -> None:
    alert = [prometheus_alert("HighInletTemperature", instance="rack-a01", severity="warning")]
    with Pipeline(tmp_path, sqlite_env) as pipeline, httpx.Client(base_url=pipeline.url, timeout=10) as client:
        for _ in range(1000):
            assert client.post("/api/v2/alerts", json=alert).status_code == 200
        wait_for(
            lambda: pipeline.metric("alertdesk_alerts_deduped_total") == 999, timeout=60, what="999 repeats to be deduped"
        )
        assert [i["alert_count"] for i in pipeline.incidents()] == [1]
        assert len(outbox_rows(sqlite_env["ALERTDESK_DATABASE_URL"])) == 1
        assert pipeline.output().count("PAGE console") == 1


def test_replaying_after_total_loss_of_stream_state_reattaches_to_the_open_incident(tmp_path: Path, sqlite_env) -> None:
    alerts = [prometheus_alert("CRACFailure", instance="ac-03"), prometheus_alert("CRACFailure", instance="ac-04")]
    for _ in range(2):  # each `up` has a fresh embedded broker: all stream state is gone
        with Pipeline(tmp_path, sqlite_env) as pipeline:
            assert pipeline.post("/api/v2/alerts", alerts).status_code == 200
            wait_for(
                lambda: [i["alert_count"] for i in pipeline.incidents()] == [2], timeout=30, what="one incident with both alerts"
            )
            # The page is queued by the pager after the incident is committed; stopping before that would lose the
            # OPENED event with the embedded broker's memory (docs/embedded-broker.md), not test the replay.
            wait_for(lambda: outbox_rows(sqlite_env["ALERTDESK_DATABASE_URL"]), timeout=30, what="the incident's page")
    assert len(outbox_rows(sqlite_env["ALERTDESK_DATABASE_URL"])) == 1, "the replay attached: no second page"


def test_an_incident_whose_page_was_lost_with_the_embedded_broker_is_paged_at_the_next_start(tmp_path: Path, sqlite_env) -> None:
    database_url = sqlite_env["ALERTDESK_DATABASE_URL"]
    with Pipeline(tmp_path, sqlite_env) as pipeline:
        assert pipeline.post("/api/v2/alerts", [prometheus_alert("UpsOnBattery", instance="ups-2")]).status_code == 200
        wait_for(lambda: outbox_rows(database_url), timeout=30, what="the incident's page")
    # What a stop between the writer's commit and the pager's read leaves: an incident nobody escalated, and
    # its OPENED event gone with the embedded broker's memory.
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox"))
        conn.execute(text("DELETE FROM escalations"))
    engine.dispose()
    with Pipeline(tmp_path, sqlite_env) as pipeline:
        (incident,) = pipeline.incidents()
        rows = wait_for(lambda: outbox_rows(database_url), timeout=30, what="the page from the start-up sweep")
        assert [row[0] for row in rows] == [incident["id"]]
        assert "is triggered but not escalating" in pipeline.output()


def test_ctrl_c_stops_everything_and_leaves_no_broker_behind(tmp_path: Path, sqlite_env) -> None:
    pipeline = Pipeline(tmp_path, sqlite_env).start()
    brokers = [pid for pid in child_pids(pipeline.process.pid) if "tansu" in Path(f"/proc/{pid}/cmdline").read_text()]
    assert len(brokers) == 1
    assert pipeline.stop(signal.SIGINT) == 0
    wait_for(lambda: not pid_alive(brokers[0]), timeout=10, what="the embedded broker to exit")
    assert not (Path(sqlite_env["ALERTDESK_DATA_DIR"]) / "runtime.json").exists()


def test_cli_send_puts_alerts_on_the_running_pipeline(tmp_path: Path, sqlite_env) -> None:
    with Pipeline(tmp_path, sqlite_env) as pipeline:
        alerts = tmp_path / "alerts.json"
        alerts.write_text(json.dumps([prometheus_alert("WaterLeak", instance="leak-rope-2")]))
        sent = cli(sqlite_env, "send", str(alerts), cwd=tmp_path)
        assert sent.returncode == 0, sent.stderr
        assert "sent 1 alert(s) as alertmanager-api" in sent.stdout
        wait_for(pipeline.incidents, timeout=30, what="the incident from `alertdesk send`")

        refused = cli(sqlite_env, "send", "-", cwd=tmp_path)  # empty stdin
        assert refused.returncode == 1 and "not sent" in refused.stderr


def test_ingest_answers_503_while_the_broker_is_down(tmp_path: Path, sqlite_env) -> None:
    with EmbeddedBroker(log_path=tmp_path / "tansu.log") as broker:
        env = {**sqlite_env, "ALERTDESK_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers, "ALERTDESK_INGEST_ACK_TIMEOUT_S": "2"}
        pipeline = Pipeline(tmp_path, env, command="worker").start()
        assert pipeline.post("/api/v2/alerts", [prometheus_alert("Before")]).status_code == 200
        broker.stop()
        down = pipeline.post("/api/v2/alerts", [prometheus_alert("During")], timeout=30)
        assert down.status_code == 503, down.text
        assert down.headers["retry-after"] == "5"
        assert pipeline.get("/healthz").status_code == 200
        assert pipeline.metric("alertdesk_ingest_unavailable_total", 'source="alertmanager-api"') == 1
        # Ctrl-C still ends the worker although faust cannot leave its group: the stop deadline cuts it short.
        assert pipeline.stop(signal.SIGINT, timeout=STOP_DEADLINE_S + 15) in (0, EXIT_STOP_OVERRAN)


@pytest.mark.postgres
def test_worker_on_postgresql_turns_an_alert_into_an_incident_and_a_page(tmp_path: Path, postgres_env, embedded_broker) -> None:
    env = {
        **postgres_env,
        "ALERTDESK_KAFKA_BOOTSTRAP_SERVERS": embedded_broker.bootstrap_servers,
        "ALERTDESK_TOPIC_PREFIX": f"pg{tmp_path.name[-8:]}.",
    }
    assert cli(env, "db", "upgrade", cwd=tmp_path).returncode == 0
    with Pipeline(tmp_path, env, command="worker") as pipeline:
        assert pipeline.post("/api/v2/alerts", [prometheus_alert("SmokeDetected", instance="vesda-1")]).status_code == 200
        incidents = wait_for(pipeline.incidents, timeout=30, what="the incident on PostgreSQL")
        assert incidents[0]["title"] == "SmokeDetected at site dc1"
        wait_for(lambda: outbox_rows(env["ALERTDESK_DATABASE_URL"]), timeout=30, what="the outbox page on PostgreSQL")
