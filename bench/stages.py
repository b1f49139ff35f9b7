#!/usr/bin/env python3
"""The alert path's stages on one worker: a storm produced straight onto `alerts.raw`, timed through
normalize → dedupe → correlate, and on to the incident writer.

HTTP ingest shares the worker's one Python process with the stages and tops out near 3,600
alerts/s here (docs/benchmarks.md §1), so it cannot offer what the stages might take. Here the
load generator is a second receiver in its own process: it wraps the storm of bench/storm_plan.py in
the envelopes `POST /api/v2/alerts` would write (64 alerts each, source `alertmanager-api`)
and produces them to `alerts.raw` with aiokafka, acks=all, as fast as the broker takes them
(or at `--rate`). `alertdesk up` (embedded broker, SQLite, one worker, the storm's topology) does
the rest.

Measured, from `alertdesk_stage_processing_seconds_count` polled every 50 ms and the database:
* stage throughput: storm alerts ÷ (when `correlate` had handled them all − first produce);
  the same clock for `normalize` (envelopes) and `dedupe`;
* alert → incident latency per alert: its `opened`/`alert_attached` timeline row − its produce
  time (`received_at` of its envelope);
* incidents, pages, and the worker's RSS sampled every 0.5 s; `--repeat N` produces the storm
  N times (repeats are deduped), to see RSS over many more alerts.

    cd /work/main && .venv/bin/python bench/stages.py --racks 100 --hosts 67 --repeat 5
"""
from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
import uuid
from datetime import datetime, timezone

from aiokafka import AIOKafkaProducer

from bench import common, records
from bench import storm_plan as storm
from bench.processes import Alertdesk
from bench.stats import latency_ms

STAGES = ("normalize", "dedupe", "correlate", "incident-writer")


def envelopes(alerts: list[tuple[str, str, str]], starts_at: str) -> list[tuple[list[tuple[str, str, str]], dict]]:
    """The storm as (alerts, envelope) pairs of `storm.BATCH` alerts, received now (set when produced)."""
    out = []
    for start in range(0, len(alerts), storm.BATCH):
        batch = alerts[start:start + storm.BATCH]
        out.append((batch, {"source": "alertmanager-api", "received_at": "", "content_type": "application/json",
                            "body": storm.body(batch, starts_at).decode(), "envelope_id": uuid.uuid4().hex}))
    return out


async def produce(
    bootstrap: str, topic: str, alerts: list, repeat: int, rate: float, sent_at: dict, progress: list
) -> dict:
    """Produce the storm `repeat` times (open loop at `rate` alerts/s, or as fast as acked when 0)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, request_timeout_ms=30_000)
    await producer.start()
    starts_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    t0 = time.monotonic()
    try:
        for _ in range(repeat):
            pending = []
            for batch, envelope in envelopes(alerts, starts_at):
                if rate:
                    await asyncio.sleep(max(0.0, t0 + progress[0] / rate - time.monotonic()))
                now = datetime.now(timezone.utc)
                envelope["received_at"] = now.isoformat(timespec="microseconds").replace("+00:00", "Z")
                for name, instance, _ in batch:
                    sent_at.setdefault((name, instance), now.timestamp())
                pending.append(await producer.send(topic, key=b"alertmanager-api", value=json.dumps(envelope).encode()))
                progress[0] += len(batch)
            await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return {"envelopes": len(alerts) // storm.BATCH + 1, "repeat": repeat, "produce_s": round(time.monotonic() - t0, 2)}


def stage_counts(base: str) -> dict[str, float]:
    metrics = common.scrape_metrics(base)
    return {stage: metrics.get(f'alertdesk_stage_processing_seconds_count{{stage="{stage}"}}', 0.0) for stage in STAGES}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--racks", type=int, default=100)
    p.add_argument("--hosts", type=int, default=67, help="servers per rack (at most 100)")
    p.add_argument("--rate", type=float, default=0.0, help="alerts/s offered; 0 = as fast as the broker acks")
    p.add_argument("--repeat", type=int, default=1, help="times the storm is produced (the repeats are deduped)")
    p.add_argument("--drain", type=float, default=120.0, help="max seconds to wait for the storm to be on incidents")
    args = p.parse_args()
    alerts = storm.storm(args.racks, args.hosts)
    workdir = common.make_workdir("stages")
    (workdir / "topology.yaml").write_text(storm.topology(args.racks, args.hosts))
    out: dict = {"when": datetime.now(timezone.utc).isoformat(), "args": vars(args), "storm_alerts": len(alerts),
                 "versions": common.versions(), "load_avg_start": open("/proc/loadavg").read().split()[:3]}
    rss: list[tuple[float, int, float]] = []
    progress = [0]
    env = {"ALERTDESK_TOPOLOGY_FILES": str(workdir / "topology.yaml")}
    with Alertdesk(workdir, env=env, ready_timeout=150) as ad:
        runtime = json.loads((workdir / "var" / "runtime.json").read_text())
        stop = threading.Event()

        def sample() -> None:
            t0 = time.monotonic()
            while not stop.wait(0.5):
                rss.append((round(time.monotonic() - t0, 1), progress[0], round(common.rss_mib(ad.proc.pid), 1)))
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        before = stage_counts(ad.base)
        done_at: dict[str, float] = {}
        targets = {"normalize": -(-len(alerts) // storm.BATCH), "dedupe": len(alerts), "correlate": len(alerts),
                   "incident-writer": len(alerts)}

        def watch() -> None:
            deadline = time.monotonic() + args.drain + 600
            while len(done_at) < len(STAGES) and time.monotonic() < deadline and not stop.is_set():
                counts = stage_counts(ad.base)
                for stage in STAGES:
                    if stage not in done_at and counts[stage] - before[stage] >= targets[stage]:
                        done_at[stage] = time.time()
                time.sleep(0.05)
        watcher = threading.Thread(target=watch, daemon=True)
        meter = common.CpuMeter({"alertdesk": ad.proc.pid, "tansu": ad.tansu_pid})
        meter.start()
        sent_at: dict = {}
        t_first = time.time()
        watcher.start()
        out["produce"] = asyncio.run(produce(runtime["bootstrap_servers"][0], runtime["topic_prefix"] + "alerts.raw",
                                             alerts, args.repeat, args.rate, sent_at, progress))
        seen: dict = {}
        t_drain = time.monotonic()
        while time.monotonic() - t_drain < args.drain:
            seen = records.on_incidents(ad.db_url)
            if len(seen) >= len(alerts):
                break
            time.sleep(0.5)
        out["cpu_pct"] = meter.stop()
        watcher.join(timeout=5)
        time.sleep(2)  # the last RSS samples after the storm is through
        stop.set()
        sampler.join()
        out["stages"] = common.stage_summary({}, common.scrape_metrics(ad.base))
        rows = records.incidents(ad.db_url)
    lat = sorted(seen[key] - sent_at[key] for key in seen if key in sent_at)
    out["result"] = {
        "stage_done_s": {stage: round(at - t_first, 3) for stage, at in done_at.items()},
        "stage_alerts_per_s": {stage: round(len(alerts) / (at - t_first), 1) for stage, at in done_at.items()
                               if stage != "normalize"},
        "alerts_on_incidents": len(lat), "missing": len(alerts) - len(lat),
        "latency_ms": latency_ms(lat),
        "incidents": len(rows), "pages_printed": ad.pages,
        "rss_mib": {"worker_first": rss[0][2] if rss else None, "worker_peak": max((s[2] for s in rss), default=None),
                    "worker_last": rss[-1][2] if rss else None,
                    "worker_at_quarters": [s[2] for s in rss[:: max(1, len(rss) // 4)]]},
    }
    out["rss_samples"] = rss
    res = out["result"]
    print(f"storm {len(alerts)} alerts x {args.repeat} produced to alerts.raw: {out['produce']}")
    print(f"  through each stage after (s): {res['stage_done_s']}")
    print(f"  alerts/s through normalize → dedupe → correlate: {res['stage_alerts_per_s'].get('correlate')}"
          f" (→ writer: {res['stage_alerts_per_s'].get('incident-writer')})")
    print(f"  on incidents {res['alerts_on_incidents']} (missing {res['missing']}); latency ms {res['latency_ms']}")
    print(f"  incidents {res['incidents']}, pages {res['pages_printed']}; RSS MiB {res['rss_mib']}"
          f" over {progress[0]} produced")
    print("  cpu:", out["cpu_pct"])
    for stage, row in out["stages"].items():
        print(f"    stage {stage:16s} {row}")
    print("result:", common.save_result("stages", out))


if __name__ == "__main__":
    main()
