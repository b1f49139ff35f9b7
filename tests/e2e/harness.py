"""A running `alertdesk up` (or `worker`) in a child process, for end-to-end tests over real HTTP.

Nothing is mocked: the child runs the real CLI, broker, database and HTTP server. Waiting is
always on a condition with a deadline, never a fixed sleep.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TypeVar

import httpx

T = TypeVar("T")
READY_TIMEOUT_S = 90.0


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], T], *, timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll `condition` until it returns something truthy, or fail naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


@dataclass
class Pipeline:
    """A child process running the alertdesk CLI, with its output captured to a file."""

    workdir: Path
    env: dict[str, str]
    command: str = "up"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """Base URL of the child's HTTP API."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """Where the child's stdout and stderr go."""
        return self.workdir / f"alertdesk-{self.port}.log"

    def output(self) -> str:
        """Everything the child printed so far."""
        return self.log_path.read_text("utf-8", errors="replace") if self.log_path.exists() else ""

    def start(self) -> "Pipeline":
        """Start the child and wait until it says it is ready and answers /healthz."""
        env = {**os.environ, **self.env, "ALERTDESK_HTTP_PORT": str(self.port), "PYTHONUNBUFFERED": "1"}
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "alertdesk", self.command], cwd=self.workdir, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        wait_for(self._ready, timeout=READY_TIMEOUT_S, what=f"alertdesk {self.command} to be ready")
        return self

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"alertdesk exited with {self.process.returncode}:\n{self.output()[-4000:]}")
        if "alertdesk is ready" not in self.output():
            return False
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30.0) -> int:
        """Send `sig` (Ctrl-C by default) and wait for the child to exit; return its exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"alertdesk did not stop within {timeout:g}s after {signal.Signals(sig).name}")

    def __enter__(self) -> "Pipeline":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def data_dir(self) -> Path:
        """The child's data folder (ALERTDESK_DATA_DIR, else ./var under the work folder)."""
        return self.workdir / self.env.get("ALERTDESK_DATA_DIR", "var")

    @property
    def auth(self) -> dict[str, str]:
        """The Authorization header of the admin CLI token the child wrote on its first start."""
        return {"Authorization": f"Bearer {(self.data_dir / 'cli-token').read_text('utf-8').strip()}"}

    def admin_password(self) -> str:
        """The first admin's password, printed once in the banner of the child's first start."""
        match = re.search(r"admin password: (\S+)", self.output())
        if match is None:
            raise AssertionError("no 'admin password:' line in the output: the database already had users")
        return match.group(1)

    def post(self, path: str, body: object | str, timeout: float = 10.0) -> httpx.Response:
        """POST JSON (or a raw string) to the child, with the CLI token."""
        if isinstance(body, str):
            headers = {"content-type": "application/json", **self.auth}
            return httpx.post(self.url + path, content=body, headers=headers, timeout=timeout)
        return httpx.post(self.url + path, json=body, headers=self.auth, timeout=timeout)

    def get(self, path: str, timeout: float = 10.0) -> httpx.Response:
        """GET from the child, with the CLI token."""
        return httpx.get(self.url + path, headers=self.auth, timeout=timeout)

    def incidents(self) -> list[dict]:
        """The incidents the API lists now."""
        response = self.get("/api/incidents?limit=500")
        response.raise_for_status()
        return response.json()["items"]

    def metric(self, name: str, labels: str = "") -> float:
        """The value of one sample on /metrics (0 if absent)."""
        wanted = f"{name}{{{labels}}}" if labels else name
        for line in self.get("/metrics").text.splitlines():
            if line.startswith(wanted + " "):
                return float(line.split()[-1])
        return 0.0


def prometheus_alert(name: str, *, site: str = "dc1", instance: str = "host-1", severity: str = "critical", **extra: str) -> dict:
    """One alert as Prometheus posts it to an Alertmanager's /api/v2/alerts."""
    return {
        "labels": {"alertname": name, "site": site, "instance": instance, "severity": severity, **extra},
        "annotations": {"summary": f"{name} on {instance}"},
        "generatorURL": "http://prometheus.example/graph",
    }
