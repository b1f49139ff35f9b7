"""The embedded tansu broker: starts, answers, runs twice side by side, and never outlives its parent."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from streams.broker import BrokerStartError, EmbeddedBroker
from streams.kafka_admin import wait_until_ready

pytestmark = pytest.mark.broker

# Runs in a child Python: starts a broker, prints tansu's pid, waits for a signal. Its own
# atexit hook is registered before streams.broker is imported, so it runs after the broker's
# (atexit is last-in first-out) and reports whether tansu was already stopped by then.
_CHILD = textwrap.dedent('''
    import atexit, os, signal, sys
    mode, log = sys.argv[1], sys.argv[2]
    pid = None

    def report():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            print("tansu-stopped", flush=True)
        else:
            print("tansu-alive", flush=True)

    atexit.register(report)
    from streams.broker import EmbeddedBroker

    broker = EmbeddedBroker(log_path=log, ready_timeout=20)
    if mode == "context":
        with broker:
            pid = broker.pid
            print(pid, flush=True)
            signal.pause()
    else:
        broker.start()
        pid = broker.pid
        print(pid, flush=True)
        signal.pause()
''')


def _gone(pid: int) -> bool:
    """True once `pid` no longer exists or is a zombie nobody reaped yet."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _wait_gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while not _gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _start_child(tmp_path: Path, mode: str) -> tuple[subprocess.Popen[str], int]:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, mode, str(tmp_path / "tansu.log")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )
    line = child.stdout.readline()  # the child's broker start is bounded by its ready_timeout
    assert line.strip().isdigit(), f"child did not report tansu's pid: {line!r}"
    return child, int(line)


def test_starts_and_answers_the_kafka_protocol(embedded_broker: EmbeddedBroker) -> None:
    host, port = embedded_broker.bootstrap_servers.split(":")

    assert embedded_broker.is_running()
    assert host == "127.0.0.1" and int(port) > 0
    assert embedded_broker.pid is not None and not _gone(embedded_broker.pid)
    wait_until_ready(embedded_broker.bootstrap_servers, timeout=5)


def test_two_brokers_run_side_by_side(embedded_broker: EmbeddedBroker, fresh_broker: EmbeddedBroker) -> None:
    assert fresh_broker.bootstrap_servers != embedded_broker.bootstrap_servers
    wait_until_ready(fresh_broker.bootstrap_servers, timeout=5)
    wait_until_ready(embedded_broker.bootstrap_servers, timeout=5)


def test_a_pinned_port_that_is_taken_is_a_clear_error(embedded_broker: EmbeddedBroker, tmp_path: Path) -> None:
    port = int(embedded_broker.bootstrap_servers.rsplit(":", 1)[1])
    broker = EmbeddedBroker(port=port, log_path=tmp_path / "tansu.log", ready_timeout=10)

    with pytest.raises(BrokerStartError, match=f"port {port} is already taken"):
        broker.start()
    assert not broker.is_running()


def test_stop_ends_the_process_and_forgets_the_pid(fresh_broker: EmbeddedBroker) -> None:
    pid = fresh_broker.pid

    fresh_broker.stop()

    assert not fresh_broker.is_running() and fresh_broker.pid is None
    assert _wait_gone(pid, within=1.0)


def test_no_orphan_when_the_parent_is_killed(tmp_path: Path) -> None:
    child, tansu_pid = _start_child(tmp_path, "start")
    try:
        child.kill()
        child.wait(timeout=5)
        assert _wait_gone(tansu_pid, within=3.0), "tansu outlived its SIGKILLed parent"
    finally:
        if not _gone(tansu_pid):
            os.kill(tansu_pid, signal.SIGKILL)


@pytest.mark.parametrize("mode", ["context", "start"])
def test_no_orphan_after_ctrl_c(tmp_path: Path, mode: str) -> None:
    child, tansu_pid = _start_child(tmp_path, mode)
    try:
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=10)
        # Stopped by the context manager or the atexit handler, before the parent exited:
        # not merely by the kernel's parent-death signal afterwards.
        assert "tansu-stopped" in out, err
        assert _wait_gone(tansu_pid, within=3.0)
    finally:
        if not _gone(tansu_pid):
            os.kill(tansu_pid, signal.SIGKILL)
