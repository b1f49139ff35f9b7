"""I/O: the incident writer's database work in a process of its own, so it never holds the stages' GIL.

In one interpreter the writer's ORM work and the alert path's stages take turns on one GIL: in a
storm the worker sat at 96 % of one core while the stages' own handlers needed a third of that
(docs/benchmarks.md §14–§15). Here the writer agent hands each transaction's commands to a child
process (`python -m incidents.writer_process`) over a socket pair and waits for its events
without blocking the event loop; the child opens its own engine on the same database and runs
`apply_in_transaction`, exactly what the agent ran in a thread before. On SQLite its engine asks
for the write lock every half millisecond while it is busy, more often than the worker's threads
do (incidents/sqlite_lock.py): every alert waits for this process's commit to reach its incident.

Failure modes: the child is started with the worker and again on the next call after it died
or did not answer within `reply_timeout_s` (it is killed then; an unfinished transaction rolls
back, and commands are idempotent, so the retry is safe). A database that is briefly away is
reported as `DatabaseAway`, the child dying as `WriterUnavailable`; `WRITER_RETRY` waits both
out with backoff. Any other error fails the batch with `WriterBatchFailed` (its type and message),
which makes the agent apply the commands one by one and dead-letter only the bad one. The child
has a process group of its own (a terminal's Ctrl-C goes to the worker alone), ignores SIGINT and
SIGTERM (systemd sends them to every process of the unit), and ends when its socket closes,
i.e. when the worker stops or dies, after the transaction in hand: it is never left behind.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

from incidents.db import DATABASE_RETRY, create_db_engine, session_factory
from incidents.events import TIMELINE_ONLY_KINDS, IncidentEvent
from incidents.sla.targets import DEFAULT_POLICY, SlaPolicy
from incidents.sqlite_lock import LOCK_POLL_FIRST_S
from incidents.store_batch import apply_in_transaction
from streams.correlation.commands import IncidentCommand

log = logging.getLogger(__name__)
#: A transaction is at most 500 commands (writer_agent.WRITER_TRANSACTION); the slowest seen took ~5 s.
REPLY_TIMEOUT_S = 120.0
#: Interpreter start, imports and the first connection; ~0.6 s here.
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


class WriterUnavailable(Exception):
    """The writer process died or did not answer in time; the next call starts a new one."""


class DatabaseAway(Exception):
    """The writer process could not reach the database (the transient errors of `DATABASE_RETRY`)."""


class WriterBatchFailed(Exception):
    """The batch failed in the writer process for another reason; the message is its error's type and text."""


#: How the writer agent waits out a lost writer process or a database that is briefly away (~30 s).
WRITER_RETRY = dataclasses.replace(
    DATABASE_RETRY, transient=(*DATABASE_RETRY.transient, WriterUnavailable, DatabaseAway)
)


class WriterProcess:
    """The parent's handle on the writer process: `apply` one transaction's commands, get their events."""

    def __init__(
        self, database_url: str, sla: SlaPolicy = DEFAULT_POLICY, *,
        reply_timeout_s: float = REPLY_TIMEOUT_S, start_timeout_s: float = START_TIMEOUT_S,
    ) -> None:
        self._setup = (database_url, sla)
        self._reply_timeout_s = reply_timeout_s
        self._start_timeout_s = start_timeout_s
        self._child: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._guard = threading.Lock()  # calls come from executor threads, one at a time
        self._turn = asyncio.Lock()

    @property
    def pid(self) -> int | None:
        """The running child's pid (None before the first start and after a failure)."""
        return self._child.pid if self._child is not None else None

    async def start(self) -> None:
        """Start the child now instead of on the first batch (it takes a good part of a second)."""
        async with self._turn:
            await asyncio.to_thread(self._ensure_started)

    async def apply(self, commands: Sequence[Mapping[str, Any]], now: datetime) -> list[IncidentEvent]:
        """Apply `commands` (as records carry them) in one transaction in the child; return the events to announce.

        The child parses the commands and leaves out the timeline-only events (`TIMELINE_ONLY_KINDS`),
        so this process neither parses thousands of commands nor unpickles an event per attach.

        Raises:
            WriterUnavailable: the child died or timed out (it is restarted on the next call).
            DatabaseAway: the database was unreachable from the child.
            WriterBatchFailed: the transaction failed for any other reason.
        """
        async with self._turn:
            return await asyncio.to_thread(self._call, (list(commands), now))

    def close(self) -> None:
        """Close the socket (the child finishes its transaction and exits) and wait for it, then kill it.

        A call still in hand gets `STOP_TIMEOUT_S` to finish; after that the child is killed.
        """
        if self._guard.acquire(timeout=STOP_TIMEOUT_S):
            try:
                self._stop_child(graceful=True)
            finally:
                self._guard.release()
        elif (child := self._child) is not None:
            child.kill()

    def _call(self, request: tuple[list[Mapping[str, Any]], datetime]) -> list[IncidentEvent]:
        with self._guard:
            self._ensure_started()
            kind, payload = self._exchange(request, self._reply_timeout_s, doing="")
        if kind == "ok":
            return payload
        if kind == "transient":
            raise DatabaseAway(payload)
        raise WriterBatchFailed(payload)

    def _exchange(self, message: Any, timeout_s: float, *, doing: str) -> tuple[str, Any]:
        """Send `message` and return the child's answer; a child that ends or stays silent is stopped.

        Raises:
            WriterUnavailable: the child ended, or did not answer within `timeout_s` (it is killed).
        """
        try:
            self._conn.send(message)
            if self._conn.poll(timeout_s):
                return self._conn.recv()
        except (EOFError, OSError) as exc:
            code = self._stop_child(graceful=False)
            raise WriterUnavailable(f"the writer process ended (exit code {code}){doing}") from exc
        self._stop_child(graceful=False)
        raise WriterUnavailable(f"no answer within {timeout_s:g} s{doing}; the writer process was killed")

    def _ensure_started(self) -> None:
        if self._child is not None:
            code = self._child.poll()
            if code is None:
                return
            log.warning("the writer process had ended (exit code %s); starting a new one", code)
        self._stop_child(graceful=False)
        try:
            ours, theirs = socket.socketpair()
        except OSError as exc:  # out of file descriptors, say: worth a retry, not a dead letter
            raise WriterUnavailable(f"no socket for the writer process: {exc}") from exc
        try:
            self._child = subprocess.Popen(
                [sys.executable, "-m", "incidents.writer_process", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                process_group=0,  # a terminal's Ctrl-C reaches the worker only, even while the child imports
            )
        except OSError as exc:
            ours.close()
            raise WriterUnavailable(f"the writer process could not be started: {exc}") from exc
        finally:
            theirs.close()
        self._conn = Connection(ours.detach())
        kind, payload = self._exchange(self._setup, self._start_timeout_s, doing=" while starting")
        if kind != "ready":
            self._stop_child(graceful=False)
            raise WriterUnavailable(f"the writer process could not start: {payload}")

    def _stop_child(self, *, graceful: bool) -> int | None:
        """End the child (after its transaction when `graceful`); return its exit code."""
        child, conn, self._child, self._conn = self._child, self._conn, None, None
        if conn is not None:
            conn.close()
        if child is None:
            return None
        if not graceful:
            child.kill()
        try:
            return child.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            return child.wait()


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def serve(conn: Connection) -> None:
    """The child's loop: read the setup, then apply each request and answer, until the socket closes."""
    database_url, sla = conn.recv()
    try:
        sessions = session_factory(create_db_engine(database_url, lock_poll_max_s=LOCK_POLL_FIRST_S))
    except Exception as error:  # noqa: BLE001 - reported to the parent, which raises it
        conn.send(("error", _describe(error)))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            commands, now = conn.recv()
        except (EOFError, OSError):
            return
        try:
            events = apply_in_transaction(sessions, [IncidentCommand.from_dict(value) for value in commands], now, sla)
            reply = ("ok", [event for event in events if event.kind not in TIMELINE_ONLY_KINDS])
        except DATABASE_RETRY.transient as error:
            reply = ("transient", _describe(error))
        except Exception as error:  # noqa: BLE001 - one bad batch is the parent's to dead-letter
            log.warning("writer process: a batch of %d failed: %s", len(commands), error)
            reply = ("failed", _describe(error))
        try:
            conn.send(reply)
        except OSError:
            return


def main(argv: Sequence[str]) -> None:
    """Entry point of the child: `python -m incidents.writer_process FD`."""
    # The child has a process group of its own, but systemd's stop signals the whole cgroup and anyone may
    # signal the group; the worker stops the child itself, by closing the socket, after its own last batch.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, format="alertdesk writer process: %(levelname)s %(message)s")
    serve(Connection(int(argv[1])))


if __name__ == "__main__":
    main(sys.argv)
