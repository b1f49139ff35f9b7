"""I/O: the machine-room storm (bench/storm_plan.py) through `alertdesk up` (and workers joining it) and Alertmanager.

Both get the same alerts on the same schedule. Phase 1 sends the storm once (open loop at
`rate` alerts/s, bench/storm_send.py) and waits, at most the drain, until every alert is
through: for alertdesk, on an incident (its `opened` / `alert_attached` timeline row); for
Alertmanager, listed firing in a webhook notification to the bench's receiver. Phase 2 re-sends
the firing storm until `total` alerts were sent, as Prometheus re-sends firing alerts. The RSS of
every process is sampled every 0.5 s over both phases; CPU is measured over phase 1.

Latency of an alert = when it was through minus when it was first sent (one wall clock).
alertdesk pages one person on the console for every incident (processes.CONSOLE_PAGING, no rate
limit in the way); its notifications are those console pages, Alertmanager's its webhook calls.
Several workers (`workers` > 1) are `alertdesk up` plus `alertdesk worker`s joining its broker
in the same work dir on one PostgreSQL database (docs/workers.md); the POSTs go round-robin to
all of them, as through a load balancer.
"""
from __future__ import annotations

import asyncio
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bench import records
from bench.am_notifications import AlertKey, tally
from bench.am_receiver import WebhookReceiver
from bench.common import CpuMeter, RssSampler, scrape_metrics, stage_summary
from bench.processes import (
    Alertdesk,
    Alertmanager,
    am_config,
    answers,
    console_paging,
    postgres_database,
    wait_until,
)
from bench.stats import latency_ms
from bench.storm_plan import StormAlert, schedule, storm, topology
from bench.storm_send import send

#: After the re-sends: time for them to pass dedupe (or Alertmanager's merge) before the last RSS samples.
SETTLE_S = 5.0


@dataclass(frozen=True)
class StormOptions:
    """What to send and where; the Alertmanager timings are its route's (seconds)."""

    racks: int = 200
    hosts: int = 40
    rate: float = 2000.0
    total: int = 100_000
    drain: float = 60.0
    workers: int = 1
    postgres: str | None = None
    am_group_by: tuple[str, ...] = ("alertname", "site")
    am_group_wait: float = 30.0
    am_group_interval: float = 300.0
    am_repeat_interval: float = 14400.0
    am_drain: float | None = None  # default: group wait + group interval + 10 s

    def am_drain_s(self) -> float:
        """How long to wait for Alertmanager to notify every alert: by default one group wait and one group interval."""
        return self.am_drain if self.am_drain is not None else self.am_group_wait + self.am_group_interval + 10


@dataclass(frozen=True)
class Target:
    """A server under the storm: where to POST, which processes to measure, which alerts are through so far."""

    urls: list[str]
    pids: dict[str, int]
    through: Callable[[], dict[AlertKey, float]]
    drain_s: float


def run_phases(target: Target, alerts: list[StormAlert], options: StormOptions) -> dict:
    """Both phases against one target; the sends, CPU, RSS, and how many alerts got through how fast."""
    progress = [0]
    sent_at: dict[AlertKey, float] = {}
    out: dict = {}
    with RssSampler(target.pids, lambda: progress[0]) as rss:
        meter = CpuMeter(target.pids)
        meter.start()
        t_first = time.time()
        storm_posts = schedule(len(alerts), options.rate)
        out["phase1_send"] = asyncio.run(send(target.urls, alerts, storm_posts, sent_at, progress))
        deadline = time.monotonic() + target.drain_s
        seen = target.through()
        while len(seen) < len(alerts) and time.monotonic() < deadline:
            time.sleep(1.0)
            seen = target.through()
        out["phase1_cpu_pct"] = meter.stop()
        rest = max(0, options.total - len(alerts))
        resends = schedule(rest, options.rate)
        out["phase2_send"] = asyncio.run(send(target.urls, alerts, resends, {}, progress)) if rest else None
        time.sleep(SETTLE_S)
    through = {key: at for key, at in seen.items() if key in sent_at}
    last = max(through.values(), default=t_first)
    out["result"] = {
        "alerts_sent": progress[0], "storm_alerts": len(alerts),
        "accepted_alerts_per_s": out["phase1_send"]["accepted_alerts_per_s"],
        "through": len(through), "missing": len(alerts) - len(through),
        "through_alerts_per_s": round(len(through) / (last - t_first), 1) if through else None,
        "storm_through_s": round(last - t_first, 2),
        "latency_ms": latency_ms([at - sent_at[key] for key, at in through.items()]),
        "rss_mib": rss.summary(),
    }
    out["rss_samples"] = rss.samples
    return out


def run_alertdesk(options: StormOptions, workdir: Path) -> dict:
    """The storm through `alertdesk up` and `workers - 1` workers joining it; SQLite, or a fresh PostgreSQL database."""
    alerts = storm(options.racks, options.hosts)
    (workdir / "topology.yaml").write_text(topology(options.racks, options.hosts))
    env = {"ALERTDESK_TOPOLOGY_FILES": str(workdir / "topology.yaml"), **console_paging(workdir)}
    with ExitStack() as stack:
        if options.postgres:
            env["ALERTDESK_DATABASE_URL"] = stack.enter_context(postgres_database(options.postgres))
        up = stack.enter_context(Alertdesk(workdir, env, ready_timeout=150))
        processes = [up] + [stack.enter_context(Alertdesk(workdir, env, ready_timeout=150, command="worker"))
                            for _ in range(options.workers - 1)]
        wait_until(lambda: all(answers(p.base + "/readyz") for p in processes), 120, "every worker ready in one group")
        before = [scrape_metrics(p.base) for p in processes]
        pids = {name: pid for p in processes for name, pid in p.pids().items()}
        target = Target([p.base + "/api/v2/alerts" for p in processes], pids, lambda: records.on_incidents(up.db_url),
                        options.drain)
        out = run_phases(target, alerts, options)
        out["stages"] = {p.name: stage_summary(b, scrape_metrics(p.base)) for p, b in zip(processes, before)}
        rows = records.incidents(up.db_url)
        paged = len(records.first_pages(up.db_url))
        out["database"] = "postgresql" if options.postgres else "sqlite"
        out["start_to_http_s"] = [round(p.start_s, 1) for p in processes]
    pages = sum(p.pages for p in processes)
    out["result"].update({
        "incidents": len(rows), "incidents_by_root": sorted((r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows),
        "incidents_paged": paged, "notifications_sent": pages,
        "notifications": f"{pages} pages, {len(rows)} incidents ({paged} paged)",
    })
    return out


def run_alertmanager(options: StormOptions, workdir: Path) -> dict:
    """The same storm through Prometheus Alertmanager, its notifications sent to a webhook receiver in this process."""
    alerts = storm(options.racks, options.hosts)
    keys = {(name, instance) for name, instance, _ in alerts}
    with WebhookReceiver() as receiver:
        config = am_config(receiver.url, group_by=options.am_group_by, group_wait=f"{options.am_group_wait:g}s",
                           group_interval=f"{options.am_group_interval:g}s",
                           repeat_interval=f"{options.am_repeat_interval:g}s")
        with Alertmanager(workdir / "am", config) as am:
            target = Target([am.base + "/api/v2/alerts"], {"alertmanager": am.proc.pid},
                            lambda: tally(list(receiver.calls), keys).first_notified, options.am_drain_s())
            out = run_phases(target, alerts, options)
            out["version"] = am.version
            out["config"] = config
        counted = tally(list(receiver.calls), keys)
    out["result"].update({
        "webhook_calls": counted.calls, "calls_with_storm_alerts": counted.calls_with_storm_alerts,
        "unreadable_calls": counted.unreadable_calls, "alerts_listed": counted.alerts_listed,
        "notifications_sent": counted.calls,
        "notifications": f"{counted.calls} webhook calls, {counted.calls_with_storm_alerts} with storm alerts",
    })
    return out
