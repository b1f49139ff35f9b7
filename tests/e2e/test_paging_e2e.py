"""End to end: alert → incident → SMS → no ack → call → keypress 1 → acknowledged, escalation stops, others told;
an SMS reply `ACK n`; a forged signature refused; Twilio answering 503 for a while → the SMS is delivered after
it recovers, exactly once. Through `alertdesk up` (embedded broker, SQLite), the
official twilio client, and the bundled Twilio fake over real HTTP in its own process.
"""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.e2e.harness import Pipeline, free_port, prometheus_alert, wait_for

pytestmark = pytest.mark.broker

SID, TOKEN = "AC" + "0" * 32, "e2e-token"
LI_WEI, ZHANG_MIN, VENDOR = "+8613800000001", "+8613800000003", "+8613800000004"

PAGING = f"""
people:
  - id: li.wei
    name: 李伟
    contacts:
      - {{id: mobile, kind: sms, address: "{LI_WEI}"}}
      - {{id: phone, kind: voice, address: "{LI_WEI}"}}
    rules:
      - {{contact: mobile, after: 0s}}
      - {{contact: phone, after: 2s}}
  - id: zhang.min
    name: 张敏
    language: en
    contacts: [{{id: mobile, kind: sms, address: "{ZHANG_MIN}"}}]
  - id: vendor
    name: UPS vendor
    contacts: [{{id: mobile, kind: sms, address: "{VENDOR}"}}]
schedules:
  - id: line1
    name: 一线
    layers:
      - {{id: all, rotation: daily, start: "2020-01-01T09:00", participants: [li.wei]}}
policies:
  - id: machine-room
    name: 机房
    levels:
      - {{targets: [{{schedule: line1}}], after: 6s}}
      - {{targets: [{{person: zhang.min}}], after: 6s}}
      - {{targets: [{{person: vendor}}], after: 6s}}
routing:
  default_policy: machine-room
limits:
  - {{count: 100, per: 1m}}
"""


def fake(url: str, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(method, url + path, timeout=10, **kwargs)


def listening(url: str) -> bool:
    try:
        return fake(url, "GET", "/_fake/messages").status_code == 200
    except httpx.ConnectError:
        return False


@contextmanager
def twilio_pipeline(tmp_path, sqlite_env) -> Iterator[tuple[Pipeline, str]]:
    """`alertdesk up` with PAGING, paging through the Twilio fake in its own process; yields (pipeline, fake URL)."""
    port = free_port()
    fake_port = free_port()
    fake_log = (tmp_path / "twilio-fake.log").open("ab")
    fake_process = subprocess.Popen(
        [sys.executable, "-m", "notify.twilio_fake", "--port", str(fake_port), "--account-sid", SID, "--auth-token", TOKEN,
         "--sms-webhook", f"http://127.0.0.1:{port}/twilio/sms"],
        stdout=fake_log, stderr=subprocess.STDOUT,
    )
    fake_url = f"http://127.0.0.1:{fake_port}"
    try:
        wait_for(lambda: listening(fake_url), timeout=20, what="the Twilio fake")
        paging_file = tmp_path / "paging.yaml"
        paging_file.write_text(PAGING, "utf-8")
        env = {
            **sqlite_env,
            "ALERTDESK_PAGING_FILES": str(paging_file),
            "ALERTDESK_TWILIO_ACCOUNT_SID": SID,
            "ALERTDESK_TWILIO_AUTH_TOKEN": TOKEN,
            "ALERTDESK_TWILIO_FROM_NUMBER": "+15005550006",
            "ALERTDESK_TWILIO_API_BASE_URL": fake_url,
            "ALERTDESK_PAGING_TICK_S": "0.2",
        }
        with Pipeline(tmp_path, env, port=port) as pipeline:
            yield pipeline, fake_url
    finally:
        fake_process.terminate()
        fake_process.wait(10)
        fake_log.close()


def test_sms_call_keypress_acknowledges_stops_escalation_and_tells_the_others(tmp_path, sqlite_env):
    with twilio_pipeline(tmp_path, sqlite_env) as (pipeline, fake_url):
        assert fake(fake_url, "POST", "/_fake/behaviour", json={"number": LI_WEI, "press": "1"}).status_code == 200
        assert pipeline.post("/api/v2/alerts", [prometheus_alert("HighTemperature", instance="host-7")]).status_code == 200
        incident = wait_for(lambda: next(iter(pipeline.incidents()), None), timeout=30, what="the incident")

        def to(number):
            return fake(fake_url, "GET", "/_fake/messages", params={"to": number}).json()["messages"]

        sms = wait_for(lambda: to(LI_WEI), timeout=30, what="the SMS to li.wei")
        assert f"ACK {incident['id']}" in sms[0]["body"]
        wait_for(lambda: pipeline.get(f"/api/incidents/{incident['id']}").json()["status"] == "acknowledged",
                 timeout=30, what="the keypress 1 on the call to acknowledge")
        calls = fake(fake_url, "GET", "/_fake/calls", params={"to": LI_WEI}).json()["calls"]
        assert len(calls) == 1 and calls[0]["digits"] == "1"
        detail = pipeline.get(f"/api/incidents/{incident['id']}").json()
        assert detail["acknowledged_by"] == "li.wei"
        def stopped():
            escalation = pipeline.get(f"/api/pages?incident_id={incident['id']}").json()["escalation"]
            return escalation["status"] == "acknowledged" and escalation["next_due_at"] is None

        # Stopped with nothing due: no step can page level 2 any more, however long we wait.
        wait_for(stopped, timeout=20, what="the escalation to stop with nothing more due")
        assert to(ZHANG_MIN) == []
        pages = pipeline.get(f"/api/pages?incident_id={incident['id']}").json()["items"]
        assert [(p["recipient"], p["channel"], p["status"]) for p in pages if p["purpose"] == "page"] == [
            ("li.wei", "sms", "sent"), ("li.wei", "voice", "sent"),
        ]
        sms_row = next(p for p in pages if p["channel"] == "sms")
        wait_for(lambda: next(p for p in pipeline.get(f"/api/pages?incident_id={incident['id']}").json()["items"]
                              if p["id"] == sms_row["id"])["provider_status"] == "delivered",
                 timeout=20, what="the delivery callback")

        # A second incident: no keypress this time, so the reply by SMS acknowledges it.
        fake(fake_url, "POST", "/_fake/behaviour", json={"number": LI_WEI, "call": "no-answer"})
        assert pipeline.post("/api/v2/alerts", [prometheus_alert("DiskFull", site="dc2", instance="db-1")]).status_code == 200
        second = wait_for(lambda: next((i for i in pipeline.incidents() if i["id"] != incident["id"]), None),
                          timeout=30, what="the second incident")
        wait_for(lambda: len(to(LI_WEI)) == 2, timeout=30, what="the second SMS")
        reply = fake(fake_url, "POST", "/_fake/inbound", json={"from": LI_WEI, "body": f"ACK {second['id']}"}).json()
        assert reply["webhook_status"] == 200, reply
        wait_for(lambda: pipeline.get(f"/api/incidents/{second['id']}").json()["status"] == "acknowledged",
                 timeout=20, what="the SMS reply to acknowledge")
        assert pipeline.get(f"/api/incidents/{second['id']}").json()["timeline"][-1]["via"] == "sms"

        forged = httpx.post(f"{pipeline.url}/twilio/sms", data={"From": LI_WEI, "Body": "RES 1"},
                            headers={"X-Twilio-Signature": "forged"}, timeout=10)
        assert forged.status_code == 403
        assert pipeline.get(f"/api/incidents/{incident['id']}").json()["status"] == "acknowledged"


def test_twilio_failing_for_a_while_delivers_the_page_once_after_it_recovers(tmp_path, sqlite_env):
    with twilio_pipeline(tmp_path, sqlite_env) as (pipeline, fake_url):
        # The next three REST calls for li.wei's number answer 503 (the SMS and, 2 s later, the call share them):
        # the dispatcher retries each with a capped backoff (2 s, 4 s, …) until Twilio takes it.
        fake(fake_url, "POST", "/_fake/behaviour", json={"number": LI_WEI, "api_errors": 3, "call": "no-answer"})
        assert pipeline.post("/api/v2/alerts", [prometheus_alert("HighTemperature", instance="host-9")]).status_code == 200
        incident = wait_for(lambda: next(iter(pipeline.incidents()), None), timeout=30, what="the incident")

        def sent_sms():
            pages = pipeline.get(f"/api/pages?incident_id={incident['id']}").json()["items"]
            return next((p for p in pages if p["purpose"] == "page" and p["channel"] == "sms" and p["status"] == "sent"), None)

        row = wait_for(sent_sms, timeout=60, what="the SMS to go out once Twilio recovers")
        assert row["tries"] >= 2 and row["provider_id"]  # it failed first, and was retried
        sent = fake(fake_url, "GET", "/_fake/messages", params={"to": LI_WEI}).json()["messages"]
        assert [m["sid"] for m in sent] == [row["provider_id"]]  # delivered once, not once per try
