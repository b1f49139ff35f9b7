"""I/O: max sustained ingest per source: alertdesk (each source alertdesk ingests), and Prometheus Alertmanager 0.25 on `/api/v2/alerts`.

HTTP sources, closed loop: N connections each POST one request (a batch of `--batch` unique
alerts, or one alert for zabbix and one ping for heartbeat), wait for the answer, POST the
next. Only 2xx answers count, and each must report as many alerts `accepted` as were sent;
non-2xx answers are counted by status. Accept latency = request sent to answer read. Requests sent
inside the first `--warmup` seconds or answered after the window are excluded. CPU % of each server process (and
tansu) and machine busy % come from /proc over the measured window. Bodies are in each sender's
real shape (bench/source_loads.py).

SNMP: v2c traps over UDP from pysnmp's asyncio sender (bench/snmp_load.py); accepted traps are
counted from `alertdesk_snmp_traps_total{outcome}` on /metrics, since a trap has no answer.

Each source gets a fresh `alertdesk up` (heartbeat: with ALERTDESK_HEARTBEATS; snmp: with
ALERTDESK_SNMP_LISTEN and ALERTDESK_SNMP_COMMUNITIES). Alertmanager runs only for
`--source alertmanager-api` (the comparison of docs/benchmarks.md §1), not for `--source all`.

    alertdesk bench ingest                          # alertmanager-api: alertdesk, then AM, 20 s each
    alertdesk bench ingest --source all --duration 12 --warmup 2   # every alertdesk source in turn
    alertdesk bench ingest --source snmp --snmp-rate 150           # open loop, 150 traps/s
"""
from __future__ import annotations

import asyncio
import json
import socket
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

import aiohttp

from bench import common
from bench.processes import Alertdesk, Alertmanager
from bench.report import cell
from bench.snmp_load import COMMUNITY, trap_loop
from bench.source_loads import HEARTBEAT_NAMES, HTTP_SOURCES
from bench.stats import latency_ms

SOURCES = [*HTTP_SOURCES, "snmp"]
JSON_HEADERS = {"content-type": "application/json"}


@dataclass(frozen=True)
class IngestOptions:
    """What to load and for how long (`alertdesk bench ingest --help` says each)."""

    source: str = "alertmanager-api"  # one of SOURCES, or "all"
    batch: int = 64
    conns: int = 8
    duration: float = 20.0
    warmup: float = 3.0
    only: str | None = None  # "alertdesk" or "alertmanager", for source alertmanager-api
    pause: float = 5.0
    snmp_rate: float = 0.0
    snmp_drain: float = 15.0

    def runs(self) -> list[tuple[str, str]]:
        """(server, source) of each run, in order: alertdesk per source, then Alertmanager for alertmanager-api."""
        sources = SOURCES if self.source == "all" else [self.source]
        runs = [("alertdesk", source) for source in sources if self.only != "alertmanager"]
        if self.source == "alertmanager-api" and self.only != "alertdesk":
            runs.append(("alertmanager", "alertmanager-api"))
        return runs


class HttpLoad:
    """The requests of one HTTP source: path and body of the next request, alerts per request."""

    def __init__(self, source: str, batch: int, tag: str):
        self.spec = HTTP_SOURCES[source]
        self.per_request = batch if self.spec.batched else 1
        self.tag = tag
        self.requests = 0

    def next_request(self) -> tuple[str, bytes]:
        i = self.requests
        self.requests += 1
        return self.spec.path(i), self.spec.body(i * self.per_request, self.per_request, datetime.now(timezone.utc), self.tag)


async def closed_loop(base: str, load: HttpLoad, *, conns: int, duration: float, warmup: float, meter_start, meter_stop):
    t_start = time.monotonic()
    t_warm = t_start + warmup
    t_end = t_start + duration
    ok_requests = 0
    short_accepts = 0
    late: dict[str, list[float]] = {}  # in flight when the window ended: status -> seconds each took in all
    stalled = 0  # of those, sent before the window began: no answer during the whole window
    errors: dict[str, int] = {}
    lat: list[float] = []
    buckets: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=conns)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:

        async def worker() -> None:
            nonlocal ok_requests, short_accepts, stalled
            while time.monotonic() < t_end:
                path, data = load.next_request()
                t0 = time.monotonic()
                answer = b""
                try:
                    async with session.post(base + path, data=data, headers=JSON_HEADERS if data else None) as resp:
                        answer = await resp.read()
                        status = resp.status
                except Exception as exc:  # count, keep going
                    status = type(exc).__name__
                t1 = time.monotonic()
                if t0 < t_end < t1:
                    late.setdefault(str(status), []).append(round(t1 - t0, 2))
                    stalled += t0 < t_warm
                if t0 < t_warm or t1 > t_end:
                    continue
                if isinstance(status, int) and 200 <= status < 300:
                    ok_requests += 1
                    if answer.startswith(b"{") and json.loads(answer).get("accepted", load.per_request) != load.per_request:
                        short_accepts += 1
                    lat.append(t1 - t0)
                    sec = int(t1 - t_warm)
                    buckets[sec] = buckets.get(sec, 0) + load.per_request
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1

        async def meter() -> dict:
            await asyncio.sleep(warmup)
            meter_start()
            await asyncio.sleep(max(0.0, t_end - time.monotonic()))
            return meter_stop()

        cpu, *_ = await asyncio.gather(meter(), *(worker() for _ in range(conns)))
    window = duration - warmup
    full = [buckets.get(s, 0) for s in range(int(window))]
    return {
        "alerts_per_request": load.per_request,
        "alerts_per_s": round(ok_requests * load.per_request / window, 1),
        "requests_per_s": round(ok_requests / window, 1),
        "ok_requests": ok_requests,
        "non_2xx": sum(errors.values()),
        "errors": errors,
        "answers_accepting_fewer_alerts_than_sent": short_accepts,
        "in_flight_at_window_end": {status: {"count": len(took), "max_s": max(took)} for status, took in late.items()},
        "unanswered_for_whole_window": stalled,
        "latency_ms": latency_ms(lat, quantiles=(("p50", 0.5), ("p99", 0.99), ("max", 1.0)), digits=2),
        "worst_1s_alerts": min(full) if full else None,
        "cpu_pct": cpu,
    }


def _total(samples: dict[str, float], name: str, label: str = "") -> float:
    """Sum of the samples of counter `name` whose labels contain `label` (e.g. 'source="zabbix"')."""
    return sum(v for k, v in samples.items() if k.startswith(name + "{") and label in k)


def alertdesk_env(source: str, snmp_port: int) -> dict[str, str]:
    if source == "heartbeat":  # an interval no run reaches: pings only, no HeartbeatMissed during the run
        return {"ALERTDESK_HEARTBEATS": ",".join(f"{name}=1h;site=dc1" for name in HEARTBEAT_NAMES)}
    if source == "snmp":
        return {"ALERTDESK_SNMP_LISTEN": f"127.0.0.1:{snmp_port}", "ALERTDESK_SNMP_COMMUNITIES": COMMUNITY}
    return {}


def run_alertdesk(args, source: str) -> dict:
    snmp_port = common.free_port(socket.SOCK_DGRAM)
    with Alertdesk(common.make_workdir(f"ingest-{source}"), env=alertdesk_env(source, snmp_port)) as ad:
        meter = common.CpuMeter(ad.pids())
        m0 = common.scrape_metrics(ad.base)
        if source == "snmp":
            result = asyncio.run(trap_loop(ad.base, snmp_port, conns=args.conns, rate=args.snmp_rate,
                                           duration=args.duration, warmup=args.warmup, drain=args.snmp_drain,
                                           meter_start=meter.start, meter_stop=meter.stop))
        else:
            result = asyncio.run(closed_loop(ad.base, HttpLoad(source, args.batch, "ad"), conns=args.conns,
                                             duration=args.duration, warmup=args.warmup,
                                             meter_start=meter.start, meter_stop=meter.stop))
        m1 = common.scrape_metrics(ad.base)
        result["metrics_scrape_after_run_s"] = round(common.LAST_SCRAPE_S[0], 2)
        if source == "heartbeat":
            result["metrics_heartbeat_pings_total"] = _total(m1, "alertdesk_heartbeat_pings_total")
        elif source != "snmp":  # traps count on alertdesk_snmp_traps_total (in the result above)
            result["metrics_alerts_received_total"] = _total(m1, "alertdesk_alerts_received_total", f'source="{source}"')
        result["server"] = "alertdesk"
        result["source"] = source
        result["start_to_http_s"] = round(ad.start_s, 1)
        result["stages_during_run"] = common.stage_summary(m0, m1)
        result["workdir"] = str(ad.workdir)
        result["rss_mib_end"] = {name: round(common.rss_mib(pid), 1) for name, pid in ad.pids().items()}
    return result


def run_am(args) -> dict:
    with Alertmanager(common.make_workdir("am")) as am:
        meter = common.CpuMeter({"alertmanager": am.proc.pid})
        result = asyncio.run(closed_loop(am.base, HttpLoad("alertmanager-api", args.batch, "am"), conns=args.conns,
                                         duration=args.duration, warmup=args.warmup,
                                         meter_start=meter.start, meter_stop=meter.stop))
        metrics = common.get(am.base + "/metrics", timeout=60)
        result["server"] = "alertmanager"
        result["source"] = "alertmanager-api"
        result["metrics_alerts_received_total"] = sum(
            float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
            if line.startswith("alertmanager_alerts_received_total"))
        result["rss_mib_end"] = {"alertmanager": round(common.rss_mib(am.proc.pid), 1)}
    return result


def summary_row(r: dict) -> str:
    """One markdown table row: source, alerts/s, requests/s, p50, p99, non-2xx, server CPU %, machine busy %."""
    cpu = r["cpu_pct"]
    server_cpu = cpu.get("alertdesk", cpu.get("alertmanager"))
    stuck = r.get("unanswered_for_whole_window")
    return (f"| {r['server']} `{r['source']}` | {cell(r['alerts_per_s'])} | {cell(r['requests_per_s'])} | "
            f"{cell(r['latency_ms']['p50'])} | {cell(r['latency_ms']['p99'])} | {cell(r['non_2xx'])}{f' ({stuck} unanswered all window)' if stuck else ''} | "
            f"{server_cpu} | {cpu['machine_busy_pct']} |")


def run(args: IngestOptions) -> dict:
    """Every run of `args` in turn, each summarised on stdout as it ends, then the table; returns the raw results."""
    out = {"when": datetime.now(timezone.utc).isoformat(), "args": asdict(args), "versions": common.versions(),
           "load_avg_start": open("/proc/loadavg").read().split()[:3], "alertdesk": {}}
    rows = []
    for i, (server, source) in enumerate(args.runs()):
        if i:
            time.sleep(args.pause)
        r = run_alertdesk(args, source) if server == "alertdesk" else run_am(args)
        if server == "alertdesk":
            out["alertdesk"][source] = r
        else:
            out["alertmanager"] = r
        rows.append(summary_row(r))
        print(f"{server:12s} {source:16s} {r['alerts_per_s']:>9,.1f} alerts/s {r['requests_per_s']:>8,.1f} req/s  "
              f"p50 {r['latency_ms']['p50']} ms  p99 {r['latency_ms']['p99']} ms  non-2xx {r['non_2xx']} {r.get('errors', '')}  "
              f"CPU% {json.dumps(r['cpu_pct'])}", flush=True)
        if source == "snmp":
            print(f"    traps/s in window {r['traps_per_s_in_window']}  sent {r['traps_sent_total']}  after drain "
                  f"{r['traps_after_drain']}  lost {r['traps_lost_udp_or_refused']}", flush=True)
        else:
            if r["answers_accepting_fewer_alerts_than_sent"]:
                print(f"    {r['answers_accepting_fewer_alerts_than_sent']} 2xx answers accepted fewer alerts than sent")
            if r["unanswered_for_whole_window"]:
                print(f"    in flight at the end of the window, by final status: {r['in_flight_at_window_end']}", flush=True)
    alertdesk_api = out["alertdesk"].get("alertmanager-api")
    if alertdesk_api and out.get("alertmanager", {}).get("alerts_per_s"):
        out["ratio_alertdesk_over_am"] = round(alertdesk_api["alerts_per_s"] / out["alertmanager"]["alerts_per_s"], 3)
        print(f"ratio alertdesk/AM = {out['ratio_alertdesk_over_am']}")
    print("| server `source` | alerts/s | requests/s | p50 ms | p99 ms | non-2xx | server CPU % | machine busy % |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return out
