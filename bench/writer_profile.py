#!/usr/bin/env python3
"""The incident writer's database work alone: `apply_in_transaction` per command, no Kafka, no HTTP.

Same shape as bench/latency.py (unique alerts spread over `--groups` alert names at one site, so
the first alert of each name opens an incident and the rest attach), applied sequentially on a
fresh SQLite file (migrated with `alertdesk db upgrade`'s code). Prints ms per command over the
run and in the last 500 commands (does the cost grow with the incident's alert count?), and
optionally a cProfile top list. `--postgres URL` runs it on a fresh database on that server instead.

    cd /work/main && .venv/bin/python bench/writer_profile.py --commands 3000
    .venv/bin/python bench/writer_profile.py --commands 20000 --batch 500 --postgres postgresql://postgres@127.0.0.1:5432/test
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

from alertdesk.db_migrate import upgrade
from bench.processes import postgres_database
from incidents.db import create_db_engine, session_factory
from incidents.store_batch import apply_in_transaction
from streams.alerts.fingerprint import label_fingerprint
from streams.alerts.model import Alert, AlertStatus, Severity
from streams.correlation.commands import CommandKind, IncidentCommand, deterministic_id


def command(i: int, groups: int) -> IncidentCommand:
    now = datetime.now(timezone.utc)
    name = f"BenchLatency{i % groups:02d}"
    labels = {"alertname": name, "site": "dc1", "instance": f"w-{i}", "job": "bench", "severity": "warning"}
    alert = Alert(fingerprint=label_fingerprint(labels), source="alertmanager-api", status=AlertStatus.FIRING,
                  severity=Severity.WARNING, name=name, resource=f"w-{i}", location={"site": "dc1"}, labels=labels,
                  annotations={"summary": "x"}, starts_at=now, received_at=now)
    key = deterministic_id(f"{name}@dc1")
    kind = CommandKind.OPEN if i < groups else CommandKind.ATTACH
    return IncidentCommand(kind=kind, command_id=deterministic_id(key, str(kind), alert.fingerprint, str(i)),
                           incident_key=key, group_key=f"{name}@dc1", title=f"{name} at site dc1",
                           severity=Severity.WARNING, issued_at=now, alert=alert)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--commands", type=int, default=3000)
    p.add_argument("--groups", type=int, default=20)
    p.add_argument("--batch", type=int, default=1, help="commands per transaction (the writer agent takes up to 200)")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--postgres", help="PostgreSQL server URL (a database bench_<random> is made there and dropped)")
    args = p.parse_args()
    with ExitStack() as stack:
        if args.postgres:
            url = stack.enter_context(postgres_database(args.postgres))
        else:
            url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='alertdesk-bench-writer-')) / 'w.db'}"
        run(args, url)


def run(args: argparse.Namespace, url: str) -> None:
    """Apply the commands on the database at `url` and print the times."""
    upgrade(url)
    sessions = session_factory(create_db_engine(url))
    cmds = [command(i, args.groups) for i in range(args.commands)]
    prof = cProfile.Profile() if args.profile else None
    times = []
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    if prof:
        prof.enable()
    for start in range(0, len(cmds), args.batch):
        chunk = cmds[start:start + args.batch]
        t = time.perf_counter()
        apply_in_transaction(sessions, chunk, datetime.now(timezone.utc))
        times.extend([(time.perf_counter() - t) / len(chunk)] * len(chunk))
    if prof:
        prof.disable()
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    first, last = times[:500], times[-500:]
    print(f"{args.commands} commands in {wall:.2f} s: {1000 * wall / args.commands:.2f} ms/command "
          f"({args.commands / wall:.0f} commands/s), CPU {100 * cpu / wall:.0f}% of a core; "
          f"first 500 {1000 * sum(first) / len(first):.2f} ms, last 500 {1000 * sum(last) / len(last):.2f} ms")
    if prof:
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
