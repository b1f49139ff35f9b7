#!/usr/bin/env python3
"""The alert path's pure work in one process, no broker and no database: the ceiling of one interpreter.

The storm of bench/storm_plan.py (and its topology) goes through what the three agents do with
each record, minus faust: the envelopes' JSON is decoded and normalized, the alerts are encoded
as batch records and decoded again (`Alert.to_dict`/`from_dict` and `json`), deduped against a
dict standing in for the table (with the states' own encoding), the changes are encoded and
decoded likewise and correlated, and the commands encoded. Records go through faust's own
`json` codec (orjson), as on the topics, and the collector is tuned as in the worker. Each stage
is timed on its own. What bench/stages.py measures beyond these numbers is the cost of faust, the broker and the
other stages sharing the worker's one interpreter.

    cd /work/main && .venv/bin/python bench/pure_path.py --racks 200 --hosts 40 --repeat 2
    cd /work/main && .venv/bin/python bench/pure_path.py --profile dedupe   # cProfile of one stage
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from faust.serializers import codecs

from bench import stages
from bench import storm_plan as storm
from streams.alerts.dedupe import DedupeState, dedupe
from streams.alerts.flapping import FlapPolicy
from streams.alerts.model import Alert, AlertChange, Envelope
from streams.alerts.normalize import normalize
from streams.correlation.engine import Correlator, EngineConfig
from streams.correlation.state import ScopeState
from streams.correlation.topology_files import load_topology_files
from streams.heap import tune_collector
from streams.records import MAX_BATCH_ITEMS, batch_record, chunks, record_items

STAGES = ("normalize", "dedupe", "correlate")


def encode_records(items: list[dict[str, Any]]) -> list[bytes]:
    """The records a stage sends for `items` (one partition: the storm is one site)."""
    return [codecs.dumps("json", batch_record(list(chunk))) for chunk in chunks(items, MAX_BATCH_ITEMS)]


def envelopes(alerts: list[storm.StormAlert], repeat: int, now: datetime) -> list[bytes]:
    """The envelopes bench/stages.py produces for the storm, `repeat` times, all received `now`."""
    starts_at = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    received_at = now.isoformat(timespec="microseconds").replace("+00:00", "Z")
    out = []
    for _ in range(repeat):
        for _, envelope in stages.envelopes(alerts, starts_at):
            envelope["received_at"] = received_at
            out.append(codecs.dumps("json", envelope))
    return out


def run_normalize(raw: list[bytes]) -> list[bytes]:
    alerts: list[dict[str, Any]] = []
    for value in raw:
        alerts += [alert.to_dict() for alert in normalize(Envelope.from_dict(codecs.loads("json", value))).alerts]
    return encode_records(alerts)


def run_dedupe(records: list[bytes], table: dict[str, Any], now: datetime) -> list[bytes]:
    policy = FlapPolicy()
    changes: list[dict[str, Any]] = []
    for value in records:
        for item in record_items(codecs.loads("json", value)):
            alert = Alert.from_dict(item)
            prior = table.get(alert.fingerprint)
            decision = dedupe(DedupeState.from_dict(prior) if prior else None, alert, now=now, policy=policy)
            table[alert.fingerprint] = decision.state.to_dict()
            changes += [change.to_dict() for change in decision.changes]
    return encode_records(changes)


def run_correlate(records: list[bytes], correlator: Correlator, states: dict[str, ScopeState],
                  now: datetime) -> list[bytes]:
    commands: list[dict[str, Any]] = []
    for value in records:
        for item in record_items(codecs.loads("json", value)):
            change = AlertChange.from_dict(item)
            state = states.setdefault(change.scope, ScopeState(change.scope))
            commands += [command.to_dict() for command in correlator.correlate(state, change, now)]
    return encode_records(commands)


def timed(name: str, profile: str | None, work: Callable[[], list[bytes]]) -> tuple[list[bytes], float]:
    profiler = cProfile.Profile() if profile == name else None
    t0 = time.perf_counter()
    out = profiler.runcall(work) if profiler else work()
    elapsed = time.perf_counter() - t0
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return out, elapsed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--racks", type=int, default=200)
    p.add_argument("--hosts", type=int, default=40)
    p.add_argument("--repeat", type=int, default=2, help="times the storm is sent (the repeats are deduped)")
    p.add_argument("--profile", choices=STAGES, help="print a cProfile of this stage")
    args = p.parse_args()
    now = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "topology.yaml"
        path.write_text(storm.topology(args.racks, args.hosts))
        topology = load_topology_files([path])
    topology.precompute()
    correlator = Correlator(topology, EngineConfig())
    alerts = storm.storm(args.racks, args.hosts)
    raw = envelopes(alerts, args.repeat, now)
    total = len(alerts) * args.repeat
    table: dict[str, Any] = {}
    states: dict[str, ScopeState] = {}
    tune_collector("bench/pure_path")  # as the worker does once started (streams/heap.py)
    normalized, t_norm = timed("normalize", args.profile, lambda: run_normalize(raw))
    changes, t_dedupe = timed("dedupe", args.profile, lambda: run_dedupe(normalized, table, now))
    commands, t_corr = timed("correlate", args.profile, lambda: run_correlate(changes, correlator, states, now))
    incidents = sum(len(state.clusters) for state in states.values())
    print(f"{total} alerts ({len(table)} unique, {len(raw)} envelopes): {len(commands)} command records,"
          f" {incidents} incidents")
    for name, seconds in zip(STAGES, (t_norm, t_dedupe, t_corr)):
        print(f"  {name:10s} {seconds:6.2f} s  {seconds / total * 1e6:6.1f} µs/alert  {total / seconds:9.0f} alerts/s")
    whole = t_norm + t_dedupe + t_corr
    print(f"  {'all':10s} {whole:6.2f} s  {whole / total * 1e6:6.1f} µs/alert  {total / whole:9.0f} alerts/s")


if __name__ == "__main__":
    main()
