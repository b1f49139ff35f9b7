"""I/O: the processes a benchmark runs on loopback, each stopped with SIGINT, then SIGKILL.

`alertdesk up` in a temp work dir (and `alertdesk worker`s joining it, docs/workers.md),
Prometheus Alertmanager, and a throw-away PostgreSQL database for a run.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from bench.common import children, free_port, get

#: The `alertdesk` of the Python running the benchmark (the checkout's .venv/bin/alertdesk under ./dev).
ALERTDESK = os.environ.get("BENCH_ALERTDESK", str(Path(sys.executable).with_name("alertdesk")))
ALERTMANAGER_MISSING = ("prometheus-alertmanager not found: install the Debian package prometheus-alertmanager "
                        "(apt-get install prometheus-alertmanager), or set BENCH_ALERTMANAGER to its path")


def stop_process(proc: subprocess.Popen, grace_s: float) -> None:
    """SIGINT, then SIGKILL once `grace_s` seconds have passed; returns when the process is gone."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def kill_leftover(pid: int, name: str) -> None:
    """SIGKILL `pid` if it still runs a program named `name` (an orphan whose parent was killed)."""
    try:
        if name in Path(f"/proc/{pid}/cmdline").read_text():
            os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def wait_until(condition: Callable[[], object], timeout_s: float, what: str, proc: subprocess.Popen | None = None):
    """Poll `condition` every 50 ms until it returns something true; raise naming `what` on timeout or `proc` ending."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            result = condition()
        except Exception:  # not answering yet
            result = None
        if result:
            return result
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(0.05)


def answers(url: str) -> bool:
    """True when GET `url` answers 2xx within 1 s."""
    get(url, timeout=1)
    return True


class Alertdesk:
    """`alertdesk up` in a work dir on a free port (SQLite under the work dir unless `env` names a database).

    With `command="worker"` it is an `alertdesk worker` joining the `up` of the same work dir
    (docs/workers.md); give it the same `env`.
    """

    def __init__(self, workdir: Path, env: dict[str, str] | None = None, ready_timeout: float = 90.0,
                 command: str = "up"):
        self.workdir = workdir
        self.command = command
        self.port = free_port()
        self.name = "alertdesk" if command == "up" else f"worker-{self.port}"
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ)
        self.env.update({
            "ALERTDESK_DATA_DIR": str(workdir / "var"),
            "ALERTDESK_DATABASE_URL": f"sqlite:///{workdir / 'var' / 'alertdesk.db'}",
            "ALERTDESK_LOG_LEVEL": "warning",
        })
        self.env.update(env or {})
        self.db_url = self.env["ALERTDESK_DATABASE_URL"]
        self.log_path = workdir / ("alertdesk.out" if command == "up" else f"worker-{self.port}.out")
        self.ready_timeout = ready_timeout
        self.tansu_pid: int | None = None
        self.pages = 0

    def __enter__(self) -> "Alertdesk":
        (self.workdir / "var").mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "w")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([ALERTDESK, self.command, "--port", str(self.port)], cwd=self.workdir,
                                     env=self.env, stdout=subprocess.PIPE, stderr=self.log, text=True, bufsize=1)
        try:
            self._wait_ready(t0 + self.ready_timeout)
        except BaseException:
            self.__exit__()
            raise
        self.start_s = time.monotonic() - t0
        return self

    def _wait_ready(self, deadline: float) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.log.write(line)
            if "alertdesk is ready" in line:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"alertdesk {self.command} not ready in time; see {self.log_path}")
        else:
            raise RuntimeError(f"alertdesk {self.command} exited before ready; see {self.log_path}")
        # the ready line can come before the HTTP listener is bound: wait for /healthz too
        wait_until(lambda: answers(self.base + "/healthz"), max(1.0, deadline - time.monotonic()),
                   f"/healthz of alertdesk {self.command} (see {self.log_path})", self.proc)
        # keep draining stdout (pages) so the pipe never blocks the pager
        self.drainer = threading.Thread(target=self._drain, daemon=True)
        self.drainer.start()
        if self.command == "up":
            kids = children(self.proc.pid)
            self.tansu_pid = next((k for k in kids if "tansu" in Path(f"/proc/{k}/cmdline").read_text()), None)
            if self.tansu_pid is None:
                raise RuntimeError(f"no tansu child of {self.proc.pid}: children {kids}")

    def _drain(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            if line.startswith("PAGE "):
                self.pages += 1
            else:
                self.log.write(line)

    def pids(self) -> dict[str, int]:
        """The processes to account for: this one (`up` or `worker-<port>`) and, for `up`, its broker."""
        return {self.name: self.proc.pid, **({"tansu": self.tansu_pid} if self.tansu_pid else {})}

    def stop(self) -> None:
        stop_process(self.proc, grace_s=30)
        if self.tansu_pid:  # `up` stops its broker on SIGINT; after a SIGKILL it could not
            kill_leftover(self.tansu_pid, "tansu")
        self.log.flush()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.log.close()


#: One person paged on the console at once for every incident, with the per-contact rate limit raised out of the
#: way: a benchmark's first page then waits for alertdesk alone, not for the default limit's 1-minute fold.
CONSOLE_PAGING = """\
people:
  - {id: bench, name: Bench, language: en, contacts: [{id: console, kind: console, address: bench}]}
policies:
  - {id: bench, name: Bench, levels: [{targets: [{person: bench}], after: 10m}]}
routing:
  default_policy: bench
limits:
  - {count: 100000, per: 1m}
"""


def console_paging(workdir: Path) -> dict[str, str]:
    """Write CONSOLE_PAGING into `workdir`; the environment that makes alertdesk page by it."""
    (workdir / "paging.yaml").write_text(CONSOLE_PAGING)
    return {"ALERTDESK_PAGING_FILES": str(workdir / "paging.yaml")}


def am_config(webhook_url: str | None = None, *, group_by: tuple[str, ...] = ("alertname",), group_wait: str = "10m",
              group_interval: str = "10m", repeat_interval: str = "4h") -> str:
    """Alertmanager's configuration (JSON is YAML): one route; the receiver sends nothing without `webhook_url`."""
    receiver: dict = {"name": "bench"}
    if webhook_url:
        receiver["webhook_configs"] = [{"url": webhook_url, "send_resolved": False, "max_alerts": 0}]
    return json.dumps({
        "global": {"resolve_timeout": "5m"},
        "route": {"receiver": "bench", "group_by": list(group_by), "group_wait": group_wait,
                  "group_interval": group_interval, "repeat_interval": repeat_interval},
        "receivers": [receiver],
    }, indent=2)


def alertmanager_binary() -> str | None:
    """The Alertmanager program: BENCH_ALERTMANAGER, else the Debian package's, else `alertmanager` on PATH."""
    from_env = os.environ.get("BENCH_ALERTMANAGER")
    return from_env or shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


class Alertmanager:
    """Prometheus Alertmanager on loopback: no gossip, storage in a temp dir; by default nothing is ever notified."""

    def __init__(self, workdir: Path, config: str | None = None):
        self.workdir = workdir
        self.config = config or am_config()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Alertmanager":
        binary = alertmanager_binary()
        if binary is None:
            raise RuntimeError(ALERTMANAGER_MISSING)
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "am.yml").write_text(self.config)
        self.log = open(self.workdir / "am.out", "w")
        self.proc = subprocess.Popen(
            [binary, f"--config.file={self.workdir / 'am.yml'}", f"--storage.path={self.workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=", "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: answers(self.base + "/-/ready"), 30, f"alertmanager (see {self.workdir / 'am.out'})",
                       self.proc)
        except BaseException:
            self.__exit__()
            raise
        said = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
        found = re.search(r"version (\S+)", said.stdout + said.stderr)
        self.version = f"Alertmanager {found.group(1) if found else '(version unknown)'}"
        return self

    def __exit__(self, *exc) -> None:
        stop_process(self.proc, grace_s=10)
        self.log.close()


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A fresh database `bench_<random>` on the PostgreSQL server of `server_url`: yields its URL, then drops it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from incidents.db import sqlalchemy_url

    base = make_url(sqlalchemy_url(server_url))
    name = f"bench_{secrets.token_hex(5)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 10})
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
