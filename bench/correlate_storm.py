#!/usr/bin/env python3
"""The cooling storm through dedupe and the correlation engine in one process: no Kafka, no database.

A room of `--racks` racks (10 per row, one cooling zone and one air conditioner per two rows, a
PDU per rack under two UPSs) with `--hosts` servers per rack; every server sends three alerts
(NodeTemperatureHigh, CPUThrottling, NodeDown) and the whole storm is re-sent `--resends` times,
as Prometheus re-sends firing alerts. Prints alerts/s through dedupe + correlate, incidents
opened (= pages the pager would send), commands by kind, and peak RSS. This measures the pure
engine's cost; the pipeline figures (Kafka hops, writer) are bench/latency.py's.

    cd /work/main && .venv/bin/python bench/correlate_storm.py --racks 40 --hosts 20 --resends 3
"""
from __future__ import annotations

import argparse
import resource
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

from streams.alerts.dedupe import dedupe
from streams.alerts.fingerprint import label_fingerprint
from streams.alerts.model import Alert, AlertStatus, Severity
from streams.correlation.engine import Correlator, EngineConfig
from streams.correlation.state import ScopeState
from streams.correlation.topology import Component, Dependency, Relation, Topology

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)
NAMES = ("NodeTemperatureHigh", "CPUThrottling", "NodeDown")


def room(racks: int, hosts: int) -> tuple[Topology, list[str]]:
    components = [Component("dc1", "site", "dc1", None), Component("mr1", "room", "一号机房", "dc1"),
                  Component("utility", "utility", "市电", "dc1")]
    deps = []
    for ups in ("ups-1", "ups-2"):
        components.append(Component(ups, "ups", ups, "mr1"))
        deps.append(Dependency(ups, "utility", Relation.POWER))
    servers = []
    rows = (racks + 9) // 10
    for row in range(rows):
        row_id = f"row-{row}"
        components.append(Component(row_id, "row", row_id, "mr1"))
        zone, ac = f"zone-{row // 2}", f"ac-{row // 2}"
        if row % 2 == 0:
            components += [Component(ac, "air_conditioner", f"{row // 2}号精密空调", "mr1"),
                           Component(zone, "cooling_zone", zone, "mr1")]
            deps.append(Dependency(zone, ac, Relation.COOLING))
        deps.append(Dependency(row_id, zone, Relation.COOLING))
    for rack in range(racks):
        rack_id, pdu = f"r{rack:02d}", f"pdu-r{rack:02d}"
        components += [Component(rack_id, "rack", rack_id, f"row-{rack // 10}"), Component(pdu, "pdu", pdu, rack_id)]
        deps += [Dependency(pdu, f"ups-{rack % 2 + 1}", Relation.POWER), Dependency(rack_id, pdu, Relation.POWER)]
        for host in range(hosts):
            server = f"host-{rack:02d}-{host:02d}"
            components.append(Component(server, "server", server, rack_id))
            servers.append(server)
    return Topology(components, deps), servers


def storm(servers: list[str], resends: int) -> list[Alert]:
    alerts = []
    for round_ in range(resends):
        for i, server in enumerate(servers):
            at = T0 + timedelta(seconds=round_ * 5 + i * 0.001)
            for name in NAMES:
                labels = {"alertname": name, "instance": server, "site": "dc1"}
                alerts.append(Alert(
                    fingerprint=label_fingerprint(labels), source="bench", status=AlertStatus.FIRING,
                    severity=Severity.CRITICAL, name=name, resource=server, location={"site": "dc1"},
                    labels=labels, annotations={}, starts_at=T0 + timedelta(seconds=i * 0.001), received_at=at,
                ))
    return alerts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--racks", type=int, default=40)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--resends", type=int, default=3)
    args = parser.parse_args()
    topology, servers = room(args.racks, args.hosts)
    topology.precompute()  # as the correlate stage does when it loads a topology revision
    alerts = storm(servers, args.resends)
    correlator, state, dedupe_state = Correlator(topology, EngineConfig()), ScopeState("dc1"), {}
    kinds: Counter[str] = Counter()
    started = time.perf_counter()
    for alert in alerts:
        decision = dedupe(dedupe_state.get(alert.fingerprint), alert, now=alert.received_at)
        dedupe_state[alert.fingerprint] = decision.state
        for change in decision.changes:
            kinds.update(str(c.kind) for c in correlator.apply(state, change, alert.received_at))
    kinds.update(str(c.kind) for c in correlator.tick(state, alerts[-1].received_at + timedelta(minutes=1)))
    elapsed = time.perf_counter() - started
    print(f"storm: {args.racks} racks x {args.hosts} hosts x {len(NAMES)} alerts, sent {args.resends}x = {len(alerts)} alerts")
    print(f"dedupe + correlate: {elapsed:.2f} s, {len(alerts) / elapsed:,.0f} alerts/s")
    print(f"incidents opened (pages): {kinds['open']}; commands: {dict(sorted(kinds.items()))}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
