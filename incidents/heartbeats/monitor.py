"""I/O: the heartbeat monitor: records pings, and on every timer tick reports the heartbeats that went quiet.

A report is an ordinary raw envelope (source `heartbeat`) produced through the receivers'
`RawSink`, so a missed heartbeat travels the whole pipeline like any alert. Never losing one
decides the order inside each transaction: change the row, produce the report and wait for
the broker's ack, then commit. A report that is not acknowledged rolls the change back, so the
next tick (or the sender's retry of a ping) tries again; a crash after the ack but before the
commit sends the same report again (same envelope id, same alert), which dedupe collapses.

Each transaction runs whole in one worker thread, its reports included
(`incidents.thread_transaction`), and is retried on `OperationalError` with a capped backoff.
"""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from typing import Any, Callable, Iterable, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from incidents.db import DATABASE_RETRY
from incidents.heartbeats import store
from incidents.heartbeats.metrics import HEARTBEAT_PINGS, HEARTBEATS_MISSED, HEARTBEATS_MISSING
from incidents.heartbeats.schedule import (
    HeartbeatRecord,
    HeartbeatSpec,
    HeartbeatState,
    describe,
    missed_report,
    record_due_at,
    recovered_report,
)
from incidents.thread_transaction import wait_on_loop
from streams.agents.safety import call_with_retries
from streams.alerts.model import Envelope
from streams.alerts.receivers.sink import RawSink, SinkUnavailable
from streams.clock import Clock
from streams.retry import RetryPolicy

T = TypeVar("T")
#: Reports an envelope from inside a transaction and returns once the broker acknowledged it.
Report = Callable[[Envelope], None]
#: A backstop on one report's wait: the sink's own acknowledgement timeout answers well before it.
REPORT_WAIT_S = 60.0
#: A ping is an HTTP request whose sender waits: give the database about a second, then answer 503.
PING_RETRY = RetryPolicy(transient=(OperationalError,), attempts=3, first_delay_s=0.2, max_delay_s=1.0)


class UnknownHeartbeat(LookupError):
    """A ping for a name that is not configured."""

    def __init__(self, name: str, configured: Iterable[str]) -> None:
        self.name = name
        self.configured = tuple(sorted(configured))
        super().__init__(f"no heartbeat named {name!r}; configured: {', '.join(self.configured) or 'none'}")


class HeartbeatUnavailable(Exception):
    """The database or the broker could not record a ping; the sender should retry."""


class HeartbeatMonitor:
    """Pings and checks of the configured heartbeats, on the shared `heartbeats` table."""

    def __init__(
        self,
        sessions: sessionmaker,
        sink: RawSink,
        clock: Clock,
        specs: Iterable[HeartbeatSpec],
        *,
        retry: RetryPolicy = DATABASE_RETRY,
        ping_retry: RetryPolicy = PING_RETRY,
    ) -> None:
        self._sessions = sessions
        self._sink = sink
        self._clock = clock
        self._specs = tuple(specs)
        #: The configured heartbeat names, sorted.
        self.names = tuple(sorted(spec.name for spec in self._specs))
        # One heartbeat transaction at a time per worker: a burst of pings would otherwise take every
        # executor thread, each waiting on the same rows (bench/ingest.py --source heartbeat).
        self._write_lock = asyncio.Lock()
        self._retry = retry
        self._ping_retry = ping_retry
        self._sync_lock = asyncio.Lock()
        #: When this monitor began taking pings (its first sync). Pings could not reach it before, so
        #: this counts as a ping of every heartbeat: a restart raises no storm of false alarms.
        self.started_at: datetime | None = None
        for spec in self._specs:  # every heartbeat shows on /metrics from the start, at 0
            HEARTBEAT_PINGS.labels(spec.name)
            HEARTBEATS_MISSED.labels(spec.name)

    async def sync(self, retry: RetryPolicy | None = None) -> None:
        """Bring the table in line with the configuration and start the monitor; later calls return at once.

        Removed heartbeats are deleted and the alerts of removed or relabelled missed ones resolved.
        """
        async with self._sync_lock:
            if self.started_at is not None:
                return
            await call_with_retries(self._sync_once, stage="heartbeat-sync", retry=retry or self._retry)
            self.started_at = self._clock.now()

    async def ping(self, name: str) -> dict[str, Any]:
        """Record a ping of `name` now; if its alert was firing, report it resolved first.

        Returns:
            The heartbeat as `schedule.describe` shows it, after the ping.

        Raises:
            UnknownHeartbeat: if `name` is not configured.
            HeartbeatUnavailable: if the database or the broker did not answer in time.
        """
        if name not in self.names:
            raise UnknownHeartbeat(name, self.names)
        try:
            await self.sync(self._ping_retry)
            record = await call_with_retries(
                lambda: self._ping_once(name), stage="heartbeat-ping", retry=self._ping_retry
            )
        except (OperationalError, SinkUnavailable) as exc:
            raise HeartbeatUnavailable(f"heartbeat {name!r} not recorded: {exc}") from exc
        HEARTBEAT_PINGS.labels(name).inc()
        return describe(record, self.started_at)

    async def check(self) -> list[str]:
        """Report every heartbeat that is overdue now; returns their names.

        Raises:
            OperationalError: if the database stayed away through the retries.
            SinkUnavailable: if the broker did not acknowledge a report (nothing was changed).
        """
        await self.sync()
        now = self._clock.now()
        reported = await call_with_retries(lambda: self._check_once(now), stage="heartbeat-check", retry=self._retry)
        for name in reported:
            HEARTBEATS_MISSED.labels(name).inc()
        return reported

    async def list_all(self) -> list[dict[str, Any]]:
        """Every configured heartbeat as `schedule.describe` shows it.

        Raises:
            HeartbeatUnavailable: if the database did not answer in time.
        """
        try:
            await self.sync(self._ping_retry)
            records = await call_with_retries(self._read_all, stage="heartbeat-list", retry=self._ping_retry)
        except OperationalError as exc:
            raise HeartbeatUnavailable(f"heartbeats not readable: {exc}") from exc
        return [describe(record, self.started_at) for record in records]

    async def _sync_once(self) -> None:
        now = self._clock.now()

        def work(session: Session, report: Report) -> None:
            for envelope in store.sync(session=session, specs=self._specs, now=now).resolve:
                report(envelope)

        await self._in_transaction(work)

    async def _ping_once(self, name: str) -> HeartbeatRecord:
        now = self._clock.now()

        def work(session: Session, report: Report) -> tuple[HeartbeatRecord | None, int]:
            before, missing = _take_ping(session, name, now)
            if before is not None and before.state is HeartbeatState.MISSED:
                report(recovered_report(before, now))
            return before, missing

        before, missing = await self._in_transaction(work)
        if before is None:  # removed by another worker's newer configuration
            raise UnknownHeartbeat(name, self.names)
        HEARTBEATS_MISSING.set(missing)
        return replace(before, state=HeartbeatState.OK, last_ping_at=now, missed_since=None)

    async def _check_once(self, now: datetime) -> list[str]:
        def work(session: Session, report: Report) -> tuple[list[HeartbeatRecord], int]:
            claimed, missing = _claim_overdue(session, now, self.started_at)
            for record in claimed:
                report(missed_report(record, now, self.started_at))
            return claimed, missing

        claimed, missing = await self._in_transaction(work)
        HEARTBEATS_MISSING.set(missing)
        return [record.name for record in claimed]

    async def _read_all(self) -> list[HeartbeatRecord]:
        def read() -> list[HeartbeatRecord]:
            with self._sessions() as session:
                return store.list_all(session=session)

        return await asyncio.to_thread(read)

    async def _in_transaction(self, work: Callable[[Session, Report], T]) -> T:
        """Run `work` in one committed transaction, whole in one worker thread (`incidents.thread_transaction`).

        `work` reports an envelope by calling its second argument, which blocks until the broker
        acknowledged it; an unacknowledged report raises and rolls the transaction back.
        """
        loop = asyncio.get_running_loop()

        def report(envelope: Envelope) -> None:
            wait_on_loop(loop, lambda: self._sink.publish(envelope), REPORT_WAIT_S)

        def transaction() -> T:
            with self._sessions() as session, session.begin():
                return work(session, report)

        async with self._write_lock:
            return await asyncio.to_thread(transaction)


def _take_ping(session: Session, name: str, now: datetime) -> tuple[HeartbeatRecord | None, int]:
    return store.ping(session=session, name=name, now=now), store.count_missed(session=session)


def _claim_overdue(session: Session, now: datetime, started_at: datetime) -> tuple[list[HeartbeatRecord], int]:
    claimed = store.claim_overdue(session=session, now=now, started_at=started_at)
    for record in claimed:
        store.mark_missed(session=session, name=record.name, since=record_due_at(record, started_at), now=now)
    return claimed, store.count_missed(session=session)
