#!/usr/bin/env python3
"""Paging benchmarks: alert posted → first page accepted by the Twilio fake, and the timer loop's cost per tick.

`--part latency` starts the Twilio fake and `alertdesk up` (embedded broker, SQLite) with a paging
file whose one level pages one person by SMS at once, and the Twilio fake as the provider. It
posts `--incidents` alerts (each its own incident: a distinct alertname) at `--rate` per second
and measures, per incident, the fake's first record of an SMS naming it (its `queued` time, the
moment the fake accepted the Messages API call) minus the alert's send time. Configured waits on
this path: correlation hold-down 0, first level due at once, rate limits raised out of the way, so
the whole latency is alertdesk's own.

`--part tick` builds `--open` open incidents, each with an escalation whose next step is due in
5 minutes and a call waiting 2 minutes out (the state of a busy night), on SQLite and on PostgreSQL
(ALERTDESK_TEST_POSTGRES_URL, a database of its own, dropped afterwards), then times `TimerLoop.tick()`
with nothing due, and with 100 escalation steps due at once.

    .venv/bin/python bench/paging.py --part latency --incidents 200 --rate 5
    ALERTDESK_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/paging.py --part tick
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from bench import common
from bench.processes import Alertdesk, postgres_database
from bench.stats import latency_ms

sys.path.insert(0, str(common.REPO_ROOT))

SID, TOKEN, PHONE = "AC" + "2" * 32, "bench-token", "+8613800000021"
PAGING = f"""
people:
  - {{id: bench, name: Bench, language: en, contacts: [{{id: mobile, kind: sms, address: "{PHONE}"}}]}}
policies:
  - {{id: bench, name: Bench, levels: [{{targets: [{{person: bench}}], after: 10m}}]}}
routing:
  default_policy: bench
limits:
  - {{count: 100000, per: 1m}}
"""
NAME = re.compile(r"PageBench(\d+)")


def latency(args: argparse.Namespace) -> dict:
    """Alert → first SMS accepted by the fake, per incident."""
    work = Path(tempfile.mkdtemp(prefix="bench-paging-"))
    fake_port = common.free_port()
    fake_url = f"http://127.0.0.1:{fake_port}"
    fake = subprocess.Popen(
        [sys.executable, "-m", "notify.twilio_fake", "--port", str(fake_port), "--account-sid", SID, "--auth-token", TOKEN],
        cwd=common.REPO_ROOT, stdout=(work / "fake.out").open("w"), stderr=subprocess.STDOUT,
    )
    (work / "paging.yaml").write_text(PAGING, "utf-8")
    env = {
        "ALERTDESK_PAGING_FILES": str(work / "paging.yaml"),
        "ALERTDESK_TWILIO_ACCOUNT_SID": SID,
        "ALERTDESK_TWILIO_AUTH_TOKEN": TOKEN,
        "ALERTDESK_TWILIO_FROM_NUMBER": "+15005550006",
        "ALERTDESK_TWILIO_API_BASE_URL": fake_url,
        "ALERTDESK_CORRELATION_HOLD_DOWN_S": "0",
        "PYTHONPATH": str(common.REPO_ROOT),  # the checkout as it is, new top-level packages included
    }
    sent: dict[int, float] = {}
    try:
        _wait(lambda: _answers(fake_url), 20, "the Twilio fake")
        with Alertdesk(work, env) as desk:
            meter = common.CpuMeter({"alertdesk": desk.proc.pid, "tansu": desk.tansu_pid, "twilio_fake": fake.pid})
            meter.start()
            t0 = time.monotonic()
            with httpx.Client(timeout=30) as client:
                for n in range(args.incidents):
                    time.sleep(max(0.0, t0 + n / args.rate - time.monotonic()))
                    sent[n] = time.time()
                    alert = {"labels": {"alertname": f"PageBench{n:04d}", "site": f"bench{n}", "instance": f"h{n}",
                                        "severity": "critical"}, "annotations": {"summary": "paging latency probe"}}
                    client.post(desk.base + "/api/v2/alerts", json=[alert]).raise_for_status()
            first = _wait(lambda: _first_pages(fake_url, len(sent)), args.drain, "a page for every incident")
            cpu = meter.stop()
    finally:
        fake.terminate()
        fake.wait(10)
    lat = sorted(first[n] - sent[n] for n in sent)
    return {
        "incidents": len(sent), "rate_per_s": args.rate,
        "alert_to_first_page_ms": latency_ms(lat, quantiles=(("p50", 0.5), ("p99", 0.99), ("max", 1.0))),
        "cpu_pct": cpu, "workdir": str(work),
    }


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/_fake/messages", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _first_pages(url: str, expected: int) -> dict[int, float] | None:
    """Per incident number, when the fake first accepted an SMS naming it; None until every one has one."""
    first: dict[int, float] = {}
    for message in httpx.get(url + "/_fake/messages", timeout=10).json()["messages"]:
        at = datetime.fromisoformat(message["history"][0]["at"]).timestamp()
        for match in NAME.finditer(message["body"]):
            first[int(match.group(1))] = min(at, first.get(int(match.group(1)), at))
    return first if len(first) >= expected else None


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.1)
    return result


def tick(args: argparse.Namespace) -> dict:
    """Timer-loop tick cost with `--open` escalations pending, on SQLite and (when configured) PostgreSQL."""
    results = {"sqlite": _tick_on(f"sqlite:///{tempfile.mkdtemp(prefix='bench-tick-')}/tick.db", args)}
    postgres = os.environ.get("ALERTDESK_TEST_POSTGRES_URL")
    if postgres:
        with postgres_database(postgres) as url:
            results["postgresql"] = _tick_on(url, args)
    return results


def _tick_on(url: str, args: argparse.Namespace) -> dict:
    import incidents.models  # noqa: F401  (registers the tables)
    import notify.models  # noqa: F401
    from incidents.db import Base, create_db_engine, session_factory
    from incidents.models import Incident
    from notify.channels.console import ConsoleChannel
    from notify.default_directory import default_directory
    from notify.dispatcher import Dispatcher, DispatchPolicy
    from notify.models import Escalation, OutboxMessage
    from notify.paging import Paging
    from notify.timers import TimerLoop
    from streams.clock import FakeClock

    engine = create_db_engine(url)
    Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    directory = default_directory(demo_phone=None)
    policy = directory.policies[directory.default_policy].to_dict()
    now = datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)
    t0 = time.monotonic()
    with sessions() as session, session.begin():
        incidents = [Incident(incident_key=f"i{n}", group_key=f"g{n}", title=f"Bench {n}", severity="critical",
                              status="triggered", site="dc1", alert_count=1, opened_at=now, updated_at=now)
                     for n in range(args.open)]
        session.add_all(incidents)
        session.flush()
        session.add_all([Escalation(incident_id=i.id, cycle=1, policy_id="default", policy=policy, status="active",
                                    step=1, reason="no_ack", next_due_at=now + timedelta(minutes=5), started_at=now,
                                    updated_at=now) for i in incidents])
        session.add_all([OutboxMessage(page_key=f"{i.id}/1/page/1/on-call/call/1", incident_id=i.id, event_id="bench",
                                       purpose="page", recipient="on-call", contact="call", channel="console",
                                       address="on-call", body="bench", status="pending",
                                       due_at=now + timedelta(minutes=2), created_at=now) for i in incidents])
    setup_s = time.monotonic() - t0
    clock = FakeClock(now)
    with open(os.devnull, "w") as devnull:
        dispatcher = Dispatcher(sessions, {"console": ConsoleChannel(stream=devnull)}, DispatchPolicy(rate_limits=()))
        loop = TimerLoop(Paging(sessions, directory), dispatcher, clock)
        idle = _timed(loop, args.ticks)
        ids = [i.id for i in incidents[: args.due]]
        with sessions() as session, session.begin():
            for row in session.query(Escalation).filter(Escalation.incident_id.in_(ids)):
                row.next_due_at = now
        busy = _timed(loop, 1)
    engine.dispose()
    return {"open_incidents": args.open, "setup_s": round(setup_s, 1), "idle_tick_ms": idle,
            f"tick_with_{args.due}_steps_due_ms": busy["max"]}


def _timed(loop, ticks: int) -> dict:
    times = []
    for _ in range(ticks):
        t0 = time.perf_counter()
        asyncio.run(loop.tick())
        times.append(time.perf_counter() - t0)
    return latency_ms(times, quantiles=(("p50", 0.5), ("p99", 0.99), ("max", 1.0)), digits=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("latency", "tick", "all"), default="all")
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--rate", type=float, default=5.0, help="alerts (= incidents) posted per second")
    parser.add_argument("--drain", type=float, default=30.0, help="seconds to wait for the last pages")
    parser.add_argument("--open", type=int, default=10_000, help="open incidents with escalations pending")
    parser.add_argument("--ticks", type=int, default=50, help="idle ticks timed")
    parser.add_argument("--due", type=int, default=100, help="escalation steps due in the busy tick")
    args = parser.parse_args()
    result = {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "args": vars(args)}
    if args.part in ("latency", "all"):
        result["latency"] = latency(args)
    if args.part in ("tick", "all"):
        result["tick"] = tick(args)
    out = common.REPO_ROOT / "bench" / "results" / f"paging-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
