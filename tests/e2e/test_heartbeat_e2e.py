"""End to end: `alertdesk up` with a 2-second heartbeat. A source that stops pinging opens a `HeartbeatMissed`
incident through the whole pipeline; its next ping resolves it.

Nothing is mocked: real HTTP pings, the embedded broker, SQLite, the faust timer. Every wait is
a condition with a deadline.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import Pipeline, wait_for

pytestmark = pytest.mark.broker


def heartbeat(pipeline: Pipeline, name: str) -> dict:
    """The heartbeat `name` as GET /api/heartbeats lists it."""
    return next(item for item in pipeline.get("/api/heartbeats").json()["items"] if item["name"] == name)


def test_a_quiet_source_opens_an_incident_and_its_next_ping_resolves_it(tmp_path: Path, sqlite_env: dict[str, str]) -> None:
    env = {**sqlite_env, "ALERTDESK_HEARTBEATS": "probe=2s;site=dc1", "ALERTDESK_HEARTBEAT_CHECK_INTERVAL_S": "0.2"}
    with Pipeline(tmp_path, env) as pipeline:
        pinged = pipeline.post("/heartbeat/probe", "")
        assert pinged.status_code == 200, pinged.text
        assert pinged.json()["state"] == "ok"

        def open_incident() -> dict | None:
            return next((i for i in pipeline.incidents() if i["status"] == "triggered"), None)

        incident = wait_for(open_incident, timeout=30, what="the HeartbeatMissed incident to open")
        assert (incident["title"], incident["severity"]) == ("HeartbeatMissed at site dc1", "critical")
        detail = pipeline.get(f"/api/incidents/{incident['id']}").json()
        assert [(a["name"], a["resource"], a["status"]) for a in detail["alerts"]] == [("HeartbeatMissed", "probe", "firing")]
        listed = heartbeat(pipeline, "probe")
        assert (listed["state"], listed["labels"], listed["interval_seconds"]) == ("missed", {"site": "dc1"}, 2)
        assert listed["missed_since"] is not None
        assert pipeline.metric("alertdesk_heartbeats_missed_total", 'name="probe"') >= 1

        assert pipeline.post("/heartbeat/probe", "").status_code == 200
        wait_for(
            lambda: pipeline.get(f"/api/incidents/{incident['id']}").json()["status"] == "resolved",
            timeout=30, what="the ping to resolve the incident",
        )

        unknown = pipeline.post("/heartbeat/nagios", "")
        assert unknown.status_code == 404 and unknown.json()["configured"] == ["probe"]
        assert "heartbeats:" not in pipeline.output()  # no check or sync failed along the way
