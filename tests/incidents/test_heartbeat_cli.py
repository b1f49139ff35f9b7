"""`alertdesk heartbeats list` against a migrated SQLite and PostgreSQL database filled by a monitor."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from alertdesk.cli import app
from incidents.heartbeats.monitor import HeartbeatMonitor
from incidents.heartbeats.schedule import HeartbeatSpec
from streams.clock import FakeClock
from tests.incidents.builders import NOW
from tests.incidents.heartbeat_sink import RecordingSink


async def test_list_as_a_table_and_as_json(db_url, migrated_db, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    specs = (HeartbeatSpec("prom-dc1", 120, {"site": "dc1", "room": "r1"}), HeartbeatSpec("cron.backup", 90000))
    heartbeats = HeartbeatMonitor(migrated_db[1], RecordingSink(), FakeClock(NOW), specs)
    await heartbeats.ping("prom-dc1")

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, ["heartbeats", "list", *args], env={"ALERTDESK_DATABASE_URL": db_url})
        assert result.exit_code == 0, result.output
        return result.stdout

    table = run().splitlines()
    assert table[0].split() == ["NAME", "STATE", "EVERY", "LAST", "PING", "DUE", "LABELS"]
    assert table[1].split() == ["cron.backup", "waiting", "25h", "never", "2026-01-02T09:00:00.000Z"]
    assert table[2].split() == [
        "prom-dc1", "ok", "2m", "2026-01-01T08:00:00.000Z", "2026-01-01T08:02:00.000Z", "site=dc1,room=r1"
    ]
    assert table[3] == "2 heartbeat(s)"
    listed = json.loads(run("--json"))
    assert listed["total"] == 2 and listed["items"][1]["last_ping_at"] == "2026-01-01T08:00:00.000Z"
