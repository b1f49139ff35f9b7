#!/usr/bin/env python3
"""Max sustained ingest into `POST /api/v2/alerts`: alertdesk, then Prometheus Alertmanager 0.25, same load.

Closed loop: N connections each POST a batch of unique alerts (Alertmanager API v2 shape), wait
for the answer, POST the next. Only alerts in 2xx-answered POSTs count; POSTs answered inside the
first `--warmup` seconds are excluded. CPU % of each server process (and tansu) comes from
/proc/<pid>/stat over the measured window.

    cd /work/main && /work/venv/bin/python bench/ingest.py            # both, 20 s each
    /work/venv/bin/python bench/ingest.py --only alertdesk --duration 20
"""
from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import datetime, timezone

import aiohttp
import common

NAMES = [f"BenchIngest{i:02d}" for i in range(16)]


class Load:
    def __init__(self, batch: int, tag: str):
        self.batch = batch
        self.tag = tag
        self.next_id = 0

    def body(self) -> bytes:
        starts = datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
        items = []
        for _ in range(self.batch):
            n = self.next_id
            self.next_id += 1
            items.append(
                '{"labels":{"alertname":"%s","site":"dc1","instance":"%s-%d","job":"bench","severity":"warning"},'
                '"annotations":{"summary":"bench alert %d"},"startsAt":"%s"}' % (NAMES[n % 16], self.tag, n, n, starts))
        return ("[" + ",".join(items) + "]").encode()


async def closed_loop(url: str, *, batch: int, conns: int, duration: float, warmup: float, tag: str, meter_start, meter_stop):
    load = Load(batch, tag)
    t_start = time.monotonic()
    t_warm = t_start + warmup
    t_end = t_start + duration
    ok_posts = 0
    ok_alerts = 0
    errors: dict[str, int] = {}
    lat: list[float] = []
    buckets: dict[int, int] = {}
    started = False
    connector = aiohttp.TCPConnector(limit=conns)
    headers = {"content-type": "application/json"}
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:

        async def worker() -> None:
            nonlocal ok_posts, ok_alerts, started
            while True:
                now = time.monotonic()
                if now >= t_end:
                    return
                if now >= t_warm and not started:
                    started = True
                    meter_start()
                data = load.body()
                t0 = time.monotonic()
                try:
                    async with session.post(url, data=data, headers=headers) as resp:
                        await resp.read()
                        status = resp.status
                except Exception as exc:  # count, keep going
                    status = type(exc).__name__
                t1 = time.monotonic()
                if t0 < t_warm or t1 > t_end:
                    continue
                if isinstance(status, int) and 200 <= status < 300:
                    ok_posts += 1
                    ok_alerts += batch
                    lat.append(t1 - t0)
                    sec = int(t1 - t_warm)
                    buckets[sec] = buckets.get(sec, 0) + batch
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1

        await asyncio.gather(*(worker() for _ in range(conns)))
    cpu = meter_stop()
    window = duration - warmup
    lat.sort()
    full = [buckets.get(s, 0) for s in range(int(window))]
    return {
        "alerts_per_s": round(ok_alerts / window, 1),
        "posts_per_s": round(ok_posts / window, 1),
        "ok_alerts": ok_alerts,
        "alerts_generated_total": load.next_id,
        "errors": errors,
        "post_latency_ms": {"p50": round(1000 * common.percentile(lat, 0.5), 2) if lat else None,
                             "p99": round(1000 * common.percentile(lat, 0.99), 2) if lat else None,
                             "max": round(1000 * lat[-1], 2) if lat else None},
        "worst_1s_alerts": min(full) if full else None,
        "cpu_pct": cpu,
    }


def run_alertdesk(args) -> dict:
    with common.Alertdesk(common.make_workdir("ingest")) as ad:
        url = ad.base + "/api/v2/alerts"
        meter = common.CpuMeter({"alertdesk": ad.proc.pid, "tansu": ad.tansu_pid})
        m0 = common.scrape_metrics(ad.base)
        result = asyncio.run(closed_loop(url, batch=args.batch, conns=args.conns, duration=args.duration,
                                         warmup=args.warmup, tag="ad", meter_start=meter.start, meter_stop=meter.stop))
        m1 = common.scrape_metrics(ad.base)
        result["metrics_scrape_after_run_s"] = round(common.LAST_SCRAPE_S[0], 2)
        received = sum(v for k, v in m1.items() if k.startswith("alertdesk_alerts_received_total"))
        result["server"] = "alertdesk"
        result["start_to_http_s"] = round(ad.start_s, 1)
        result["ready_line_to_http_s"] = round(ad.ready_to_http_s, 2)
        result["metrics_alerts_received_total"] = received
        result["stages_during_run"] = common.stage_summary(m0, m1)
        result["rss_mib_end"] = {"alertdesk": round(common.rss_mib(ad.proc.pid), 1),
                                 "tansu": round(common.rss_mib(ad.tansu_pid), 1)}
        result["workdir"] = str(ad.workdir)
    return result


def run_am(args) -> dict:
    with common.Alertmanager(common.make_workdir("am")) as am:
        meter = common.CpuMeter({"alertmanager": am.proc.pid})
        result = asyncio.run(closed_loop(am.base + "/api/v2/alerts", batch=args.batch, conns=args.conns,
                                         duration=args.duration, warmup=args.warmup, tag="am",
                                         meter_start=meter.start, meter_stop=meter.stop))
        metrics = common.get(am.base + "/metrics", timeout=60)
        result["server"] = "alertmanager"
        result["metrics_alerts_received_total"] = sum(
            float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
            if line.startswith("alertmanager_alerts_received_total"))
        result["rss_mib_end"] = {"alertmanager": round(common.rss_mib(am.proc.pid), 1)}
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--conns", type=int, default=8)
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--warmup", type=float, default=3.0)
    p.add_argument("--only", choices=["alertdesk", "alertmanager"])
    p.add_argument("--pause", type=float, default=5.0, help="idle seconds between the two servers")
    args = p.parse_args()
    out = {"when": datetime.now(timezone.utc).isoformat(), "args": vars(args), "versions": common.versions(),
           "load_avg_start": open("/proc/loadavg").read().split()[:3]}
    for name, fn in (("alertdesk", run_alertdesk), ("alertmanager", run_am)):
        if args.only and args.only != name:
            continue
        r = fn(args)
        out[name] = r
        print(f"{name:13s} {r['alerts_per_s']:>10,.0f} alerts/s  {r['posts_per_s']:>7,.1f} POST/s  "
              f"errors {r['errors'] or 0}  POST p50 {r['post_latency_ms']['p50']} ms  p99 {r['post_latency_ms']['p99']} ms  "
              f"worst 1-s {r['worst_1s_alerts']}  CPU% {json.dumps(r['cpu_pct'])}", flush=True)
        if name == "alertdesk":
            for stage, row in r["stages_during_run"].items():
                print(f"    stage {stage:16s} {row}", flush=True)
        time.sleep(args.pause)
    if "alertdesk" in out and "alertmanager" in out and out["alertmanager"]["alerts_per_s"]:
        out["ratio_alertdesk_over_am"] = round(out["alertdesk"]["alerts_per_s"] / out["alertmanager"]["alerts_per_s"], 3)
        print(f"ratio alertdesk/AM = {out['ratio_alertdesk_over_am']}")
    print("result:", common.save_result("ingest", out))


if __name__ == "__main__":
    main()
