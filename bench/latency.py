"""I/O: end-to-end alert -> incident -> first page latency of `alertdesk up` at a fixed offered rate (open loop).

The sender schedules alerts by time (`--rate` per second for `--duration` s); every ~10 ms it
POSTs whatever alerts are due, in POSTs of <= 64, without waiting for earlier answers. Each alert
is unique (instance label `lat<run>-<n>`) and carries `startsAt` = the client's send time
(RFC 3339, microseconds, UTC). Alerts are spread over `--groups` alert names at one site, so
each name is one incident: the first alert opens it, the rest attach.

Latency of an alert = `timeline_events.occurred_at` of the row the incident writer recorded
for it (kind `opened` or `alert_attached`; its `detail` names the alert's resource, which is
the unique instance label) minus the alert's send time. Latency of a page = the `sent_at` of the first page of
an incident (its outbox row, any channel; the console by default) minus the send time of the
incident's first alert. Both clocks are this machine's wall clock. After sending, the run waits
(at most `--drain` s) until the writer has recorded every accepted alert on an incident (the
count of commands applied is no measure: opens and priority changes are commands too), and
until every incident has a page, stops alertdesk, then reads its database.

    alertdesk bench latency --rate 1000 --fetch-wait 10
    alertdesk bench latency --rate 200 --fetch-wait 1500
"""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

import aiohttp

from bench import common, records
from bench.processes import Alertdesk, console_paging, postgres_database
from bench.report import table
from bench.stats import latency_ms


@dataclass(frozen=True)
class LatencyOptions:
    """The offered load and the broker fetch wait (`alertdesk bench latency --help` says each)."""

    rate: float = 1000.0
    duration: float = 20.0
    fetch_wait: int = 10
    groups: int = 20
    drain: float = 60.0
    postgres: str | None = None  # a PostgreSQL server URL: the run uses a fresh database there instead of SQLite


#: The first seconds of a run, when all of its incidents open.
OPENING_S = 2.0


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
    return {
        "offered": total, "send_window_s": round(send_s, 3), "accepted": len(accepted), "post_errors": errors,
        "max_behind_schedule_ms": round(1000 * max(0.0, max_behind), 1), "max_posts_in_flight": max_in_flight,
        "post_ack_ms": latency_ms(post_lat, quantiles=(("p50", 0.5), ("p99", 0.99)), digits=2),
    }, sent_at, accepted


def commands_applied(base: str) -> float:
    m = common.scrape_metrics(base)
    return sum(v for k, v in m.items() if k.startswith("alertdesk_incident_commands_total"))


def read_latencies(db_url: str, sent_at: dict[str, float], accepted: set[str]) -> dict:
    """Alert -> incident per alert and alert -> first page per incident, from the run's database."""
    recorded: dict[str, float] = {}
    for (_, resource), at in records.on_incidents(db_url).items():
        if resource in sent_at:
            recorded[resource] = min(at, recorded.get(resource, at))
    alerts = records.alerts_by_incident(db_url)
    pages = records.first_pages(db_url)
    # per incident: its first page minus the send time of its first alert
    paged = [at - min(sent_at[r] for r, _ in alerts[i] if r in sent_at) for i, at in pages.items()
             if any(r in sent_at for r, _ in alerts.get(i, ()))]
    # sanity: the stored starts_at is the send time (the topic format keeps milliseconds)
    skew = [abs(starts - sent_at[r]) for members in alerts.values() for r, starts in members if r in sent_at]
    return {
        "recorded": len(recorded), "never_recorded": len(accepted - recorded.keys()), "incidents": len(alerts),
        "latency_ms": latency_ms([recorded[r] - sent_at[r] for r in recorded]),
        "slowest_by_send_second": slowest_by_send_second(recorded, sent_at),
        "latency_after_opening_ms": latency_ms(after_opening(recorded, sent_at)),
        "incidents_paged": len(paged), "alert_to_first_page_ms": latency_ms(paged),
        "starts_at_vs_send_max_abs_ms": round(1000 * max(skew), 3) if skew else None,
    }


def after_opening(recorded: dict[str, float], sent_at: dict[str, float], opening_s: float = OPENING_S) -> list[float]:
    """Latencies of the alerts sent after the run's first `opening_s`, when its incidents open (and the
    pager, runbooks and first pages all start at once): the steady state of attaching to them."""
    start = min(sent_at.values(), default=0.0)
    return [recorded[r] - sent_at[r] for r in recorded if sent_at[r] - start >= opening_s]


def slowest_by_send_second(recorded: dict[str, float], sent_at: dict[str, float], share: float = 0.01) -> dict[int, int]:
    """When the slowest `share` of alerts were sent: {second of the run: how many}. A tail that comes
    in bursts at fixed intervals points at a periodic job; one spread evenly, at queueing."""
    if not recorded:
        return {}
    start = min(sent_at.values())
    ranked = sorted(recorded, key=lambda r: recorded[r] - sent_at[r], reverse=True)
    slowest = ranked[: max(1, int(len(ranked) * share))]
    return dict(sorted(Counter(int(sent_at[r] - start) for r in slowest).items()))


def unrecorded(db_url: str, accepted: set[str]) -> int:
    """How many accepted alerts are on no incident yet."""
    return len(accepted - {resource for _, resource in records.on_incidents(db_url)})


def unpaged(db_url: str) -> int:
    """How many incidents have no page sent yet."""
    return len(records.alerts_by_incident(db_url).keys() - records.first_pages(db_url).keys())


def run(args: LatencyOptions) -> dict:
    """One run: send, drain, read the database; prints a table; returns the raw results."""
    run_id = time.strftime("%H%M%S")
    out = {"when": datetime.now(timezone.utc).isoformat(), "args": {**asdict(args), "postgres": bool(args.postgres)},
           "database": "postgresql" if args.postgres else "sqlite", "versions": common.versions(),
           "load_avg_start": open("/proc/loadavg").read().split()[:3]}
    workdir = common.make_workdir(f"lat{args.fetch_wait}")
    env = {"ALERTDESK_FETCH_MAX_WAIT_MS": str(args.fetch_wait), **console_paging(workdir)}
    with ExitStack() as stack:
        if args.postgres:
            env["ALERTDESK_DATABASE_URL"] = stack.enter_context(postgres_database(args.postgres))
        ad = stack.enter_context(Alertdesk(workdir, env=env))
        out["start_to_http_s"] = round(ad.start_s, 1)
        meter = common.CpuMeter(ad.pids())
        m0 = common.scrape_metrics(ad.base)
        meter.start()
        send, sent_at, accepted = asyncio.run(open_loop(ad.base + "/api/v2/alerts", rate=args.rate,
                                                        duration=args.duration, groups=args.groups, run=run_id))
        out["cpu_pct_send_window"] = meter.stop()
        t_drain = time.monotonic()
        while time.monotonic() - t_drain < args.drain and (unrecorded(ad.db_url, accepted) or unpaged(ad.db_url)):
            time.sleep(0.5)
        out["drain_s"] = round(time.monotonic() - t_drain, 1)
        out["commands_applied_at_end"] = commands_applied(ad.base)
        m1 = common.scrape_metrics(ad.base)
        out["stages"] = common.stage_summary(m0, m1)
        out["rss_mib_end"] = {name: round(common.rss_mib(pid), 1) for name, pid in ad.pids().items()}
        out["workdir"] = str(ad.workdir)
        out["result"] = res = read_latencies(ad.db_url, sent_at, accepted)
    out["pages_printed"] = ad.pages
    out["send"] = send
    print(f"rate {args.rate:g}/s x {args.duration:g}s, fetch_max_wait_ms={args.fetch_wait}: offered {send['offered']}, "
          f"accepted {send['accepted']}, recorded {res['recorded']}, never recorded {res['never_recorded']} "
          f"(drain {out['drain_s']} s); POST ack {send['post_ack_ms']}; "
          f"sender max behind {send['max_behind_schedule_ms']} ms; "
          f"CPU% {out['cpu_pct_send_window']}", flush=True)
    print(table(["latency ms", "n", *res["latency_ms"]], [
        ["alert -> incident", res["recorded"], *res["latency_ms"].values()],
        [f"  sent after {OPENING_S:g} s", "", *res["latency_after_opening_ms"].values()],
        ["alert -> first page", res["incidents_paged"], *res["alert_to_first_page_ms"].values()],
    ]))
    for stage, row in out["stages"].items():
        print(f"    stage {stage:16s} {row}", flush=True)
    print(f"    slowest 1 % by second of the run: {res['slowest_by_send_second']}", flush=True)
    return out
