"""I/O: `alertdesk bench ingest|latency|storm|all`: the benchmarks of docs/benchmarks.md; JSON in bench/results/.

Each command starts what it measures itself (`alertdesk up` in a temp dir on a free port,
`alertdesk worker`s joining it, Prometheus Alertmanager) and stops all of it on the way out,
also on Ctrl-C and SIGTERM. The measuring code is the `bench` package; this is its front end.
"""
from __future__ import annotations

import signal
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

bench_app = typer.Typer(help="Benchmarks: ingest, alert → incident → page latency, the 100,000-alert storm "
                             "(one or more workers, and through Prometheus Alertmanager).", no_args_is_help=True)

ResultsOption = typer.Option(None, "--results", help="Folder for the raw JSON (default: the checkout's bench/results).")
PostgresOption = typer.Option(None, "--postgres", envvar="ALERTDESK_BENCH_POSTGRES_URL",
                              help="PostgreSQL server URL; a run makes a database bench_<random> there, then drops it.")


class Server(str, Enum):
    alertdesk = "alertdesk"
    alertmanager = "alertmanager"


@bench_app.callback()
def _stop_children_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so every process a benchmark started is stopped (none is left orphaned)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def _require_alertmanager() -> None:
    from bench.processes import ALERTMANAGER_MISSING, alertmanager_binary

    if alertmanager_binary() is None:
        typer.echo(ALERTMANAGER_MISSING, err=True)
        raise typer.Exit(2)


def _save(name: str, result: dict, results: Optional[Path]) -> None:
    from bench.common import RESULTS, save_result

    typer.echo(f"result: {save_result(name, result, results or RESULTS)}")


@bench_app.command("ingest")
def ingest(
    source: str = typer.Option("alertmanager-api", help="alertmanager-api (compared with Alertmanager), alertmanager, "
                                                        "grafana, zabbix, generic, heartbeat, snmp, or all."),
    batch: int = typer.Option(64, min=1, help="Alerts per request, for the sources that take batches."),
    conns: int = typer.Option(8, min=1, help="HTTP connections; SNMP closed-loop senders."),
    duration: float = typer.Option(20.0, help="Seconds of load per server."),
    warmup: float = typer.Option(3.0, help="First seconds not counted."),
    only: Optional[Server] = typer.Option(None, help="For alertmanager-api: run only this server."),
    pause: float = typer.Option(5.0, help="Idle seconds between two runs."),
    snmp_rate: float = typer.Option(0.0, help="Traps/s, open loop; 0 = closed loop."),
    snmp_drain: float = typer.Option(15.0, help="Seconds to wait for queued traps after sending."),
    results: Optional[Path] = ResultsOption,
) -> None:
    """Max sustained ingest, closed loop: alertdesk per source, and Alertmanager on the same /api/v2/alerts load."""
    from bench import ingest as bench_ingest

    if source not in [*bench_ingest.SOURCES, "all"]:
        raise typer.BadParameter(f"unknown source {source!r}", param_hint="--source")
    if only is Server.alertmanager and source != "alertmanager-api":
        raise typer.BadParameter("Alertmanager takes only --source alertmanager-api", param_hint="--only")
    options = bench_ingest.IngestOptions(source=source, batch=batch, conns=conns, duration=duration, warmup=warmup,
                                         only=only.value if only else None, pause=pause, snmp_rate=snmp_rate,
                                         snmp_drain=snmp_drain)
    if any(server == "alertmanager" for server, _ in options.runs()):
        _require_alertmanager()
    _save(f"ingest-{source}", bench_ingest.run(options), results)


@bench_app.command("latency")
def latency(
    rate: float = typer.Option(1000.0, min=0.1, help="Alerts/s offered, open loop."),
    duration: float = typer.Option(20.0, help="Seconds of sending."),
    fetch_wait: int = typer.Option(10, help="ALERTDESK_FETCH_MAX_WAIT_MS of the worker."),
    groups: int = typer.Option(20, min=1, help="Alert names = incidents (each paged once)."),
    drain: float = typer.Option(60.0, help="Max seconds to wait for the writer and the pages after sending."),
    postgres: Optional[str] = PostgresOption,
    results: Optional[Path] = ResultsOption,
) -> None:
    """End to end: alert → incident (per alert) and alert → first page (per incident), p50/p90/p99/max."""
    from bench import latency as bench_latency

    options = bench_latency.LatencyOptions(rate=rate, duration=duration, fetch_wait=fetch_wait, groups=groups,
                                           drain=drain, postgres=postgres)
    database = "-pg" if postgres else ""
    _save(f"latency-r{int(rate)}-w{fetch_wait}{database}", bench_latency.run(options), results)


@bench_app.command("storm")
def storm(
    racks: int = typer.Option(200, min=1, help="Racks in the room (10 per row)."),
    hosts: int = typer.Option(40, min=1, max=100, help="Servers per rack."),
    rate: float = typer.Option(2000.0, min=1, help="Alerts/s offered, open loop."),
    total: int = typer.Option(100_000, min=1, help="Alerts sent: the storm once, then re-sends up to this many."),
    drain: float = typer.Option(60.0, help="Max seconds to wait for the storm to be on incidents."),
    workers: int = typer.Option(1, min=1, help="1 = `alertdesk up`; N = `up` and N-1 `alertdesk worker`s joining it "
                                               "(needs --postgres)."),
    postgres: Optional[str] = PostgresOption,
    compare_alertmanager: bool = typer.Option(False, "--compare-alertmanager",
                                              help="Then send the same storm to prometheus-alertmanager and compare."),
    only: Optional[Server] = typer.Option(None, help="Run only this server (alertmanager: no alertdesk at all)."),
    am_group_by: list[str] = typer.Option(["alertname", "site"], help="Alertmanager route's group_by (repeatable)."),
    am_group_wait: float = typer.Option(30.0, help="Alertmanager group_wait, seconds."),
    am_group_interval: float = typer.Option(300.0, help="Alertmanager group_interval, seconds."),
    am_drain: Optional[float] = typer.Option(None, help="Max seconds to wait for Alertmanager to notify every alert "
                                                        "(default: group wait + group interval + 10)."),
    results: Optional[Path] = ResultsOption,
) -> None:
    """The machine-room storm through alertdesk (1 or more workers) and, compared, through Alertmanager."""
    from bench.storm import StormOptions

    servers = [only.value] if only else ["alertdesk", *(["alertmanager"] if compare_alertmanager else [])]
    if "alertdesk" in servers and workers > 1 and not postgres:
        typer.echo("storm: --workers > 1 needs --postgres (several workers share one PostgreSQL database, "
                   "docs/workers.md)", err=True)
        raise typer.Exit(2)
    if "alertmanager" in servers:
        _require_alertmanager()
    options = StormOptions(racks=racks, hosts=hosts, rate=rate, total=total, drain=drain, workers=workers,
                           postgres=postgres, am_group_by=tuple(am_group_by), am_group_wait=am_group_wait,
                           am_group_interval=am_group_interval, am_drain=am_drain)
    _run_storm(options, servers, results)


def _run_storm(options, servers: list[str], results: Optional[Path]) -> None:
    from dataclasses import asdict
    from datetime import datetime, timezone

    from bench.common import make_workdir, versions
    from bench.report import storm_table
    from bench.storm import run_alertdesk, run_alertmanager

    out: dict = {"when": datetime.now(timezone.utc).isoformat(),
                 "args": {**asdict(options), "postgres": bool(options.postgres)},  # the URL may hold a password
                 "versions": versions(), "load_avg_start": open("/proc/loadavg").read().split()[:3]}
    columns = {}
    if "alertdesk" in servers:
        out["alertdesk"] = run_alertdesk(options, make_workdir(f"storm-w{options.workers}"))
        label = f"alertdesk ({options.workers} worker{'s' * (options.workers > 1)}, {out['alertdesk']['database']})"
        columns[label] = out["alertdesk"]
    if "alertmanager" in servers:
        out["alertmanager"] = run_alertmanager(options, make_workdir("storm-am"))
        columns[out["alertmanager"]["version"]] = out["alertmanager"]
    typer.echo(f"storm of {options.racks} racks x {options.hosts} servers at {options.rate:g} alerts/s, "
               f"{options.total:,} alerts sent")
    typer.echo(storm_table(columns))
    _save(f"storm-w{options.workers}{'-am' * ('alertmanager' in servers)}", out, results)


@bench_app.command("all")
def run_all(
    postgres: Optional[str] = PostgresOption,
    total: int = typer.Option(100_000, min=1, help="Alerts sent in each storm."),
    results: Optional[Path] = ResultsOption,
) -> None:
    """The set of issue #8: ingest vs Alertmanager, latency, the storm on one worker vs Alertmanager, then on two."""
    from bench import ingest as bench_ingest
    from bench import latency as bench_latency
    from bench.storm import StormOptions

    if not postgres:
        typer.echo("all: the two-worker storm needs --postgres (or ALERTDESK_BENCH_POSTGRES_URL)", err=True)
        raise typer.Exit(2)
    _require_alertmanager()
    _save("ingest-alertmanager-api", bench_ingest.run(bench_ingest.IngestOptions()), results)
    _save("latency-r1000-w10", bench_latency.run(bench_latency.LatencyOptions()), results)
    for workers, servers in ((1, ["alertdesk", "alertmanager"]), (2, ["alertdesk"])):
        _run_storm(StormOptions(total=total, workers=workers, postgres=postgres), servers, results)
