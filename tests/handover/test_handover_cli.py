"""`alertdesk handover write|ack|list|show` against a real uvicorn server serving the handover API behind access, on
SQLite and PostgreSQL; the CLI authenticates with an admin API token, as `up`'s cli-token does."""
from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
import uvicorn
from typer.testing import CliRunner

from access import token_store
from alertdesk.cli import app
from tests.reports.desk_app import ReportDesk, report_desk

NOW = datetime(2026, 11, 5, 0, 30, tzinfo=timezone.utc)
START_DEADLINE_S = 10.0


@pytest.fixture
def worker(migrated_db, tmp_path, monkeypatch) -> Iterator[tuple[ReportDesk, dict[str, str]]]:
    monkeypatch.chdir(tmp_path)
    _, sessions = migrated_db
    desk = report_desk(sessions, NOW)
    with sessions.begin() as session:
        _, secret = token_store.create_token(session=session, name="cli", role="admin", created_by="ada", now=NOW)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(desk.app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_DEADLINE_S
    while not server.started:  # a real server in a thread: wait for it, with a deadline
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield desk, {"ALERTDESK_API_TOKEN": secret, "ALERTDESK_HTTP_PORT": str(sock.getsockname()[1])}
    server.should_exit = True
    thread.join(timeout=START_DEADLINE_S)
    sock.close()


def _run(env, *args):
    return CliRunner().invoke(app, ["handover", *args], env=env)


def test_write_ack_list_show(worker):
    desk, env = worker
    written = _run(env, "write", "--label", "夜班 11-04", "--start", "2026-11-04T12:00:00Z",
                   "--end", "2026-11-05T00:30:00Z", "--outgoing", "zhang.wei", "--incoming", "li.na",
                   "--notes", "UPS-1 on battery twice")
    assert written.exit_code == 0, written.output
    assert written.stdout.startswith("handover 1 written: 夜班 11-04 zhang.wei → li.na; 0 open incident(s)")
    acked = _run(env, "ack", "1")
    assert (acked.exit_code, acked.stdout) == (0, "handover 1 acknowledged by token:cli at 2026-11-05T00:30:00.000Z\n")
    listing = _run(env, "list")
    assert "zhang.wei → li.na" in listing.stdout and "1 of 1 handover(s)" in listing.stdout
    shown = json.loads(_run(env, "show", "1").stdout)
    assert (shown["written_by"], shown["written_via"], shown["notes"]) == ("token:cli", "cli", "UPS-1 on battery twice")


def test_refusals_print_the_reason_and_exit_1(worker):
    _, env = worker
    missing = _run(env, "ack", "42")
    assert missing.exit_code == 1 and "refused (404): handover 42 not found" in missing.output
    unauthorised = _run({**env, "ALERTDESK_API_TOKEN": "wrong"}, "list")
    assert unauthorised.exit_code == 1 and "refused (401)" in unauthorised.output
