#!/usr/bin/env python3
"""End-to-end alert -> incident latency of `alertdesk up` at a fixed offered rate (open loop).

The sender schedules alerts by time (`--rate` per second for `--duration` s); every ~10 ms it
POSTs whatever alerts are due, in POSTs of <= 64, without waiting for earlier answers. Each alert
is unique (instance label `lat<run>-<n>`) and carries `startsAt` = the client's send time
(RFC 3339, microseconds, UTC). Alerts are spread over `--groups` alert names at one site, so
each name is one incident: the first alert opens it, the rest attach.

Latency of an alert = `timeline_events.occurred_at` of the row the incident writer recorded
for it (kind `opened` or `alert_attached`; its `detail` names the alert's resource, which is
the unique instance label) minus the alert's send time. Both clocks are this machine's wall
clock. After sending, the run waits (at most `--drain` s) until the writer has applied a
command for every accepted alert, stops alertdesk, then reads the SQLite file.

    cd /work/main && .venv/bin/python bench/latency.py --rate 1000 --fetch-wait 10
    .venv/bin/python bench/latency.py --rate 200 --fetch-wait 1500
"""
from __future__ import annotations

import argparse
import asyncio
import re
import sqlite3
import time
from datetime import datetime, timezone

import aiohttp
import common


async def open_loop(url: str, *, rate: float, duration: float, groups: int, run: str, tick: float = 0.010):
    sent_at: dict[str, float] = {}  # resource -> unix send time
    accepted: set[str] = set()
    errors: dict[str, int] = {}
    post_lat: list[float] = []
    max_behind = 0.0
    in_flight = 0
    max_in_flight = 0
    tasks: set[asyncio.Task] = set()
    headers = {"content-type": "application/json"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                     timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def post(body: bytes, names: list[str]) -> None:
            nonlocal in_flight, max_in_flight
            in_flight += 1
            max_in_flight = max(max_in_flight, in_flight)
            t0 = time.monotonic()
            try:
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    status = resp.status
            except Exception as exc:
                status = type(exc).__name__
            in_flight -= 1
            if isinstance(status, int) and 200 <= status < 300:
                post_lat.append(time.monotonic() - t0)
                accepted.update(names)
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1

        n = 0
        total = int(rate * duration)
        t_start = time.monotonic()
        next_tick = t_start
        while n < total:
            now = time.monotonic()
            due = min(total, int(rate * (now - t_start)))
            if due > n:
                # how late is the oldest due alert?
                max_behind = max(max_behind, now - (t_start + n / rate) - tick)
            while n < due:
                k = min(64, due - n)
                wall = time.time()
                starts = datetime.fromtimestamp(wall, timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
                items, names = [], []
                for i in range(n, n + k):
                    res = f"lat{run}-{i}"
                    names.append(res)
                    sent_at[res] = wall
                    items.append('{"labels":{"alertname":"BenchLatency%02d","site":"dc1","instance":"%s","job":"bench",'
                                 '"severity":"warning"},"annotations":{"summary":"latency probe"},"startsAt":"%s"}'
                                 % (i % groups, res, starts))
                n += k
                task = asyncio.create_task(post(("[" + ",".join(items) + "]").encode(), names))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            next_tick += tick
            await asyncio.sleep(max(0.0, next_tick - time.monotonic()))
        send_s = time.monotonic() - t_start
        if tasks:
            await asyncio.gather(*tasks)
    post_lat.sort()
    return {
        "offered": total, "send_window_s": round(send_s, 3), "accepted": len(accepted), "post_errors": errors,
        "max_behind_schedule_ms": round(1000 * max(0.0, max_behind), 1), "max_posts_in_flight": max_in_flight,
        "post_ack_ms": {"p50": round(1000 * common.percentile(post_lat, 0.5), 2) if post_lat else None,
                        "p99": round(1000 * common.percentile(post_lat, 0.99), 2) if post_lat else None},
    }, sent_at, accepted


def commands_applied(base: str) -> float:
    m = common.scrape_metrics(base)
    return sum(v for k, v in m.items() if k.startswith("alertdesk_incident_commands_total"))


def parse_db_time(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def read_latencies(db_path, sent_at: dict[str, float], accepted: set[str]) -> dict:
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    rows = con.execute("SELECT kind, occurred_at, detail FROM timeline_events WHERE kind IN ('opened','alert_attached')").fetchall()
    starts = dict(con.execute("SELECT resource, starts_at FROM incident_alerts").fetchall())
    incidents = con.execute("SELECT count(*) FROM incidents").fetchone()[0]
    con.close()
    pat = re.compile(r" on (lat\S+)")
    recorded: dict[str, float] = {}
    for kind, occurred, detail in rows:
        m = pat.search(detail)
        if m and m.group(1) in sent_at:
            t = parse_db_time(occurred)
            recorded[m.group(1)] = min(t, recorded.get(m.group(1), t))
    lat = sorted(recorded[r] - sent_at[r] for r in recorded)
    # sanity: the stored starts_at is the send time (the topic format keeps milliseconds)
    skew = [abs(parse_db_time(starts[r]) - sent_at[r]) for r in list(recorded)[:2000] if r in starts]

    def ms(q):
        v = common.percentile(lat, q)
        return round(1000 * v, 1) if v is not None else None
    return {
        "recorded": len(recorded), "never_recorded": len(accepted - recorded.keys()), "incidents": incidents,
        "latency_ms": {"p50": ms(0.5), "p90": ms(0.9), "p99": ms(0.99), "max": round(1000 * lat[-1], 1) if lat else None,
                       "min": round(1000 * lat[0], 1) if lat else None},
        "starts_at_vs_send_max_abs_ms": round(1000 * max(skew), 3) if skew else None,
    }, lat


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rate", type=float, default=1000.0)
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--fetch-wait", type=int, default=10, help="ALERTDESK_FETCH_MAX_WAIT_MS")
    p.add_argument("--groups", type=int, default=20, help="alert names = incidents")
    p.add_argument("--drain", type=float, default=60.0, help="max seconds to wait for the writer after sending")
    args = p.parse_args()
    run = time.strftime("%H%M%S")
    out = {"when": datetime.now(timezone.utc).isoformat(), "args": vars(args), "versions": common.versions(),
           "load_avg_start": open("/proc/loadavg").read().split()[:3]}
    env = {"ALERTDESK_FETCH_MAX_WAIT_MS": str(args.fetch_wait)}
    with common.Alertdesk(common.make_workdir(f"lat{args.fetch_wait}"), env=env) as ad:
        out["start_to_http_s"] = round(ad.start_s, 1)
        meter = common.CpuMeter({"alertdesk": ad.proc.pid, "tansu": ad.tansu_pid})
        m0 = common.scrape_metrics(ad.base)
        meter.start()
        send, sent_at, accepted = asyncio.run(open_loop(ad.base + "/api/v2/alerts", rate=args.rate,
                                                        duration=args.duration, groups=args.groups, run=run))
        out["cpu_pct_send_window"] = meter.stop()
        t_drain = time.monotonic()
        applied = commands_applied(ad.base)
        while applied < len(accepted) and time.monotonic() - t_drain < args.drain:
            time.sleep(0.5)
            applied = commands_applied(ad.base)
        out["drain_s"] = round(time.monotonic() - t_drain, 1)
        out["commands_applied_at_end"] = applied
        m1 = common.scrape_metrics(ad.base)
        out["stages"] = common.stage_summary(m0, m1)
        out["rss_mib_end"] = {"alertdesk": round(common.rss_mib(ad.proc.pid), 1), "tansu": round(common.rss_mib(ad.tansu_pid), 1)}
        out["workdir"] = str(ad.workdir)
    out["pages_printed"] = ad.pages
    out["send"] = send
    res, lat = read_latencies(ad.db_path, sent_at, accepted)
    out["result"] = res
    print(f"rate {args.rate:g}/s x {args.duration:g}s  fetch_max_wait_ms={args.fetch_wait}: offered {send['offered']}, "
          f"accepted {send['accepted']}, recorded {res['recorded']}, never recorded {res['never_recorded']} "
          f"(drain {out['drain_s']} s); latency ms p50 {res['latency_ms']['p50']} p90 {res['latency_ms']['p90']} "
          f"p99 {res['latency_ms']['p99']} max {res['latency_ms']['max']}; POST ack p50/p99 {send['post_ack_ms']}; "
          f"sender max behind {send['max_behind_schedule_ms']} ms; CPU% {out['cpu_pct_send_window']}", flush=True)
    for stage, row in out["stages"].items():
        print(f"    stage {stage:16s} {row}", flush=True)
    print("result:", common.save_result(f"latency-r{int(args.rate)}-w{args.fetch_wait}", out))


if __name__ == "__main__":
    main()
