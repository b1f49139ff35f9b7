"""`alertdesk incidents create|ack|resolve|close|reopen|assign|note|escalate|link` against a real uvicorn server serving the lifecycle API
on a migrated SQLite and PostgreSQL database; published events are collected in a list."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

from alertdesk.cli import app
from alertdesk.cli.worker_api import refusal_reason, worker_url
from alertdesk.settings import Settings
from incidents.action_service import IncidentActions
from incidents.events import IncidentEvent
from incidents.lifecycle_api import lifecycle_router
from incidents.store import apply_command
from streams.clock import FakeClock
from streams.correlation.commands import CommandKind
from tests.incidents.builders import NOW, command

START_DEADLINE_S = 10.0


@dataclass
class Worker:
    """The API of a worker on a free loopback port, and what it published."""

    port: int
    incident: int
    published: list[IncidentEvent] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def worker(migrated_db, tmp_path, monkeypatch) -> Iterator[Worker]:
    monkeypatch.chdir(tmp_path)  # no alertdesk.toml of the repository is read
    _, factory = migrated_db
    with factory() as session:
        [opened] = apply_command(session=session, command=command(CommandKind.OPEN, "k1"), now=NOW)
        session.commit()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    worker = Worker(port=sock.getsockname()[1], incident=opened.incident_id)

    async def publish(event: IncidentEvent) -> None:
        worker.published.append(event)

    api = FastAPI()
    api.include_router(lifecycle_router(IncidentActions(factory, publish, clock=FakeClock(NOW))))
    server = uvicorn.Server(uvicorn.Config(api, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_DEADLINE_S
    while not server.started:  # a real server in a thread: wait for it, with a deadline
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield worker
    server.should_exit = True
    thread.join(timeout=START_DEADLINE_S)
    sock.close()


def _run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, ["incidents", *args], env=env or {})


def test_a_night_on_the_command_line(worker):
    n, url = str(worker.incident), ["--url", worker.url]
    outputs = [
        _run("ack", n, "--by", "li.wei", "--note", "on my way", *url),
        _run("assign", n, "--to", "line2", "--by", "desk.wang", *url),
        _run("note", n, "breaker tripped in row 3", "--by", "li.wei", *url),
        _run("resolve", n, "--by", "li.wei", *url),
        _run("reopen", n, "--by", "desk.wang", *url),
        _run("resolve", n, "--by", "li.wei", "--note", "reset again", *url),
        _run("close", n, "--by", "desk.wang", *url),
    ]
    assert [result.exit_code for result in outputs] == [0] * 7, [result.output for result in outputs]
    assert outputs[0].stdout == f"incident {n} acknowledged by li.wei (via cli), now acknowledged: on my way\n"
    assert outputs[1].stdout == f"incident {n} assigned by desk.wang (via cli), now acknowledged: assigned to line2\n"
    assert [(e.kind, e.via) for e in worker.published] == [
        ("acknowledged", "cli"), ("assigned", "cli"), ("note_added", "cli"), ("resolved", "cli"),
        ("reopened", "cli"), ("resolved", "cli"), ("closed", "cli"),
    ]


def test_the_default_url_comes_from_the_settings(worker):
    result = _run("ack", str(worker.incident), "--by", "li.wei", env={"ALERTDESK_HTTP_PORT": str(worker.port)})
    assert result.exit_code == 0, result.output
    assert len(worker.published) == 1


def test_a_refusal_prints_the_workers_reason_and_exits_1(worker):
    n, url = str(worker.incident), ["--url", worker.url]
    assert _run("ack", n, "--by", "li.wei", *url).exit_code == 0
    again = _run("ack", n, "--by", "desk.wang", *url)
    assert again.exit_code == 1
    assert again.stderr == (
        f"refused (409): cannot acknowledge: incident {n} is already acknowledged by li.wei"
        " at 2026-01-01T08:00:00.000Z (via cli)\n"
    )
    missing = _run("close", "999", "--by", "li.wei", *url)
    assert (missing.exit_code, missing.stderr) == (1, "refused (404): incident 999 not found\n")
    blank = _run("note", n, "  ", "--by", "li.wei", *url)
    assert (blank.exit_code, blank.stderr) == (1, "refused (422): text: the note is blank\n")
    assert len(worker.published) == 1


def test_no_worker_is_exit_1_saying_where_it_looked():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once the socket is closed
    result = _run("ack", "1", "--by", "li.wei", "--url", f"http://127.0.0.1:{port}")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"cannot reach the worker at http://127.0.0.1:{port}: ")


def test_a_phoned_in_incident_is_created_escalated_and_linked_from_the_command_line(worker):
    url = ["--url", worker.url]
    created = _run(
        "create", "Core banking slow for tellers", "--by", "desk.wang", "--category", "application", "--impact", "high",
        "--urgency", "medium", "--site", "dc1", "--service", "core-banking", "--description", "branch 12 called", *url,
    )
    assert created.exit_code == 0, created.output
    new = worker.published[0].incident_id
    assert created.stdout == (
        f"incident {new} opened by desk.wang (via cli), now triggered: reported by desk.wang: branch 12 called\n"
    )
    escalated = _run("escalate", str(new), "--by", "li.wei", "--note", "need the vendor", *url)
    linked = _run("link", str(new), str(worker.incident), "--by", "desk.wang", *url)
    assert (escalated.exit_code, linked.exit_code) == (0, 0), escalated.output + linked.output
    assert [(e.kind, e.incident_id, e.priority) for e in worker.published] == [
        ("opened", new, "P2"), ("escalated", new, "P2"), ("linked", new, "P2"),
    ]


@pytest.mark.parametrize(
    ("host", "url"),
    [("0.0.0.0", "http://127.0.0.1:8080"), ("::", "http://[::1]:8080"), ("", "http://127.0.0.1:8080"),
     ("10.1.2.3", "http://10.1.2.3:8080")],
)
def test_the_worker_is_reached_on_the_loopback_when_it_listens_everywhere(host, url):
    assert worker_url(Settings(http_host=host, http_port=8080)) == url


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (httpx.Response(409, json={"detail": "already acknowledged"}), "already acknowledged"),
        (httpx.Response(422, json={"detail": [{"loc": ["body", "by"], "msg": "Field required"},
                                              {"loc": ["query", "limit"], "msg": "too big"}]}),
         "body.by: Field required; query.limit: too big"),
        (httpx.Response(503, text="  broker away \n"), "broker away"),
        (httpx.Response(502, text=""), "Bad Gateway"),
    ],
)
def test_the_refusal_reason_reads_every_shape_of_error_body(response, reason):
    assert refusal_reason(response) == reason
