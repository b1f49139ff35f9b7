#!/usr/bin/env python3
"""A machine-room alert storm through the real pipeline of `alertdesk up` (embedded broker, SQLite, one worker).

The room: `--racks` racks, 10 per row; one cooling zone and one precision air conditioner per
two rows; a PDU per rack, the even racks' PDUs on UPS-1 and the odd ones' on UPS-2; `--hosts`
servers per rack. The storm is the ac-failure and ups-battery scenarios scaled up: every air
conditioner fails (AirConditionerFault), UPS-1 goes on battery (UPSOnBattery), then every server
reports NodeInletTemperatureHigh and CPUThrottlingHigh, every PDU on UPS-1 PDUInputPowerLost and
every server on UPS-1 NodePowerSupplyLost. Expected: one cooling incident per air conditioner,
one power incident for UPS-1, every other alert a symptom of one of them.

Phase 1 sends the storm once (Alertmanager API v2, 64 alerts per POST, open loop at `--rate`
alerts/s; a 503 is retried after 200 ms, as Prometheus would) and waits until every alert is on
an incident. Latency of an alert = the `occurred_at` of its `opened`/`alert_attached` timeline
row minus its send time (one wall clock). Phase 2 re-sends the firing storm until `--total`
alerts were sent, as Prometheus re-sends firing alerts; dedupe collapses the repeats. The RSS of
the worker (and tansu) is sampled every 0.5 s over both phases.

    cd /work/main && .venv/bin/python bench/storm.py --racks 200 --hosts 40 --rate 2000 --total 100000
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import sqlite3
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
import common

SITE = "storm"
BATCH = 64
DETAIL = re.compile(r"^(?:opened by )?(.+?) on (\S+)")


def topology(racks: int, hosts: int) -> str:
    """The room as a topology YAML document (docs/topology.md)."""
    rows = (racks + 9) // 10
    devices = ["{id: ups-1, kind: ups}", "{id: ups-2, kind: ups}"]
    devices += [f"{{id: ac-{z}, kind: air_conditioner}}" for z in range((rows + 1) // 2)]
    devices += [f"{{id: zone-{z}, kind: cooling_zone, cooled_by: [ac-{z}]}}" for z in range((rows + 1) // 2)]
    lines = ["sites:", f"  - id: {SITE}", "    rooms:", "      - id: mr1", "        devices:"]
    lines += [f"          - {device}" for device in devices]
    lines.append("        rows:")
    for row in range(rows):
        lines += [f"          - id: row-{row}", f"            cooled_by: [zone-{row // 2}]", "            racks:"]
        for rack in range(row * 10, min(racks, row * 10 + 10)):
            lines.append(f"              - {{id: r{rack:03d}, power_from: [pdu-{rack:03d}], devices: "
                         f"[{{id: pdu-{rack:03d}, kind: pdu, power_from: [ups-{rack % 2 + 1}]}}]}}")
    lines.append("components:")
    lines += [f"  - {{id: h{rack:03d}-{host:02d}, kind: server, in: r{rack:03d}}}" for rack in range(racks) for host in range(hosts)]
    return "\n".join(lines) + "\n"


def storm(racks: int, hosts: int) -> list[tuple[str, str, str]]:
    """(alertname, instance, severity) of every alert, causes first, then the symptoms rack by rack."""
    zones = ((racks + 9) // 10 + 1) // 2
    alerts = [("AirConditionerFault", f"ac-{z}", "critical") for z in range(zones)] + [("UPSOnBattery", "ups-1", "critical")]
    for rack in range(racks):
        servers = [f"h{rack:03d}-{host:02d}" for host in range(hosts)]
        alerts += [(name, server, "warning") for name in ("NodeInletTemperatureHigh", "CPUThrottlingHigh") for server in servers]
        if rack % 2 == 0:
            alerts.append(("PDUInputPowerLost", f"pdu-{rack:03d}", "critical"))
            alerts += [("NodePowerSupplyLost", server, "major") for server in servers]
    return alerts


def body(batch: list[tuple[str, str, str]], starts_at: str) -> bytes:
    return json.dumps([
        {"labels": {"alertname": name, "instance": instance, "site": SITE, "severity": severity}, "startsAt": starts_at}
        for name, instance, severity in batch
    ]).encode()


async def send(url: str, alerts: list[tuple[str, str, str]], total: int, rate: float, sent_at: dict, progress: list) -> dict:
    """Open loop: every 10 ms POST what is due (cycling through `alerts` until `total`); record first send times.

    `progress[0]` counts the alerts sent over every call (the RSS samples say how far the storm was).
    """
    stats = {"posts": 0, "retries": 0, "failed": 0}
    starts_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    tasks: set[asyncio.Task] = set()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def post(batch: list[tuple[str, str, str]]) -> None:
            for _ in range(50):
                try:
                    async with session.post(url, data=body(batch, starts_at), headers={"content-type": "application/json"}) as r:
                        await r.read()
                        if r.status < 300:
                            stats["posts"] += 1
                            return
                except aiohttp.ClientError:
                    pass
                stats["retries"] += 1
                await asyncio.sleep(0.2)
            stats["failed"] += 1

        n, t0, before = 0, time.monotonic(), progress[0]
        while n < total:
            due = min(total, int(rate * (time.monotonic() - t0)) + 1)
            while n < due:
                batch = [alerts[(n + i) % len(alerts)] for i in range(min(BATCH, due - n))]
                now = time.time()
                for name, instance, _ in batch:
                    sent_at.setdefault((name, instance), now)
                n += len(batch)
                progress[0] = before + n
                task = asyncio.create_task(post(batch))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            await asyncio.sleep(0.01)
        stats["send_window_s"] = round(time.monotonic() - t0, 2)
        await asyncio.gather(*tasks)
    return stats


def recorded(db_path: Path) -> dict[tuple[str, str], float]:
    """(alertname, instance) -> when the writer first put it on an incident (unix time)."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        rows = con.execute(
            "SELECT occurred_at, detail FROM timeline_events WHERE kind IN ('opened', 'alert_attached')"
        ).fetchall()
    finally:
        con.close()
    seen: dict[tuple[str, str], float] = {}
    for occurred, detail in rows:
        match = DETAIL.match(detail)
        if match:
            at = datetime.fromisoformat(occurred).replace(tzinfo=timezone.utc).timestamp()
            key = (match.group(1), match.group(2))
            seen[key] = min(at, seen.get(key, at))
    return seen


def incidents(db_path: Path) -> list[tuple]:
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute("SELECT root_component, category, priority, major, alert_count, status FROM incidents").fetchall()
    finally:
        con.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--racks", type=int, default=200)
    p.add_argument("--hosts", type=int, default=40, help="servers per rack (at most 100)")
    p.add_argument("--rate", type=float, default=2000.0, help="alerts/s offered")
    p.add_argument("--total", type=int, default=100_000, help="alerts sent over both phases (RSS is sampled over all)")
    p.add_argument("--drain", type=float, default=60.0, help="max seconds to wait for the storm to be on incidents")
    args = p.parse_args()
    alerts = storm(args.racks, args.hosts)
    workdir = common.make_workdir("storm")
    (workdir / "topology.yaml").write_text(topology(args.racks, args.hosts))
    env = {"ALERTDESK_TOPOLOGY_FILES": str(workdir / "topology.yaml")}
    out: dict = {"when": datetime.now(timezone.utc).isoformat(), "args": vars(args), "storm_alerts": len(alerts),
                 "versions": common.versions(), "load_avg_start": open("/proc/loadavg").read().split()[:3]}
    rss: list[tuple[float, int, float, float]] = []  # (t, alerts sent, worker MiB, tansu MiB)
    progress = [0]
    with common.Alertdesk(workdir, env=env, ready_timeout=150) as ad:
        out["start_to_http_s"] = round(ad.start_s, 1)
        stop = threading.Event()

        def sample() -> None:
            t0 = time.monotonic()
            while not stop.wait(0.5):
                worker, tansu = common.rss_mib(ad.proc.pid), common.rss_mib(ad.tansu_pid)
                rss.append((round(time.monotonic() - t0, 1), progress[0], round(worker, 1), round(tansu, 1)))
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        meter = common.CpuMeter({"alertdesk": ad.proc.pid, "tansu": ad.tansu_pid})
        metrics_before = common.scrape_metrics(ad.base)
        meter.start()
        sent_at: dict = {}
        t_first = time.time()
        out["phase1_send"] = asyncio.run(send(ad.base + "/api/v2/alerts", alerts, len(alerts), args.rate, sent_at, progress))
        seen: dict = {}
        t_drain = time.monotonic()
        while time.monotonic() - t_drain < args.drain:
            seen = recorded(ad.db_path)
            if len(seen) >= len(alerts):
                break
            time.sleep(1.0)
        out["phase1_cpu_pct"] = meter.stop()
        out["phase1_stages"] = common.stage_summary(metrics_before, common.scrape_metrics(ad.base))
        out["phase1_rss_end_mib"] = round(common.rss_mib(ad.proc.pid), 1)
        rest = max(0, args.total - len(alerts))
        out["phase2_send"] = asyncio.run(send(ad.base + "/api/v2/alerts", alerts, rest, args.rate, {}, progress)) if rest else None
        time.sleep(5)  # let the re-sends pass dedupe before the last samples
        stop.set()
        sampler.join()
        out["workdir"] = str(workdir)
    lat = sorted(seen[key] - sent_at[key] for key in seen if key in sent_at)
    last = max(seen.values(), default=t_first)
    rows = incidents(ad.db_path)
    out["result"] = {
        "alerts_on_incidents": len(lat), "missing": len(alerts) - len(lat),
        "latency_ms": {q: round(1000 * common.percentile(lat, v), 1) if lat else None
                       for q, v in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))},
        "pipeline_alerts_per_s": round(len(lat) / (last - t_first), 1) if lat else None,
        "storm_through_s": round(last - t_first, 2),
        "incidents": len(rows), "incidents_by_root": sorted((r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows),
        "pages_printed": ad.pages,
        "rss_mib": {"worker_first": rss[0][2] if rss else None, "worker_peak": max((s[2] for s in rss), default=None),
                    "worker_last": rss[-1][2] if rss else None, "tansu_peak": max((s[3] for s in rss), default=None),
                    "worker_at_quarters": [s[2] for s in rss[:: max(1, len(rss) // 4)]]},
    }
    out["rss_samples"] = rss
    res = out["result"]
    print(f"storm {len(alerts)} alerts at {args.rate:g}/s: on incidents {res['alerts_on_incidents']} (missing {res['missing']}), "
          f"through in {res['storm_through_s']} s = {res['pipeline_alerts_per_s']} alerts/s; latency ms {res['latency_ms']}; "
          f"incidents {res['incidents']}, pages {res['pages_printed']}; RSS MiB {res['rss_mib']} over {progress[0]} sent")
    print("phase 1 send:", out["phase1_send"], "cpu:", out["phase1_cpu_pct"])
    for stage, row in out["phase1_stages"].items():
        print(f"    stage {stage:16s} {row}")
    print("phase 2 send:", out["phase2_send"])
    print("result:", common.save_result("storm", out))


if __name__ == "__main__":
    main()
