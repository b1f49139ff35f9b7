"""I/O: the SLA monitor: on every tick, announces the SLA warnings and breaches that came due.

The deadlines are columns on `incidents` (durable timers): a tick missed while every worker was
down is made by the next one. Each tick is one transaction: claim and mark what is due
(`incidents.sla.store.mark_due`, so two workers never both mark), publish the events to
`incidents.events` and wait for the broker, then commit. An event that is not acknowledged
rolls the marks back and the next tick tries again; a crash after the publish but before the
commit announces the same event again (same `event_id`), which consumers take idempotently.
So a breach the pager escalates on is never lost. The whole transaction, publishes included,
runs in one worker thread (`incidents.thread_transaction`).
"""
from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy.orm import sessionmaker

from incidents.action_service import PUBLISH_TIMEOUT_S, Publish
from incidents.db import DATABASE_RETRY
from incidents.events import EventKind, IncidentEvent
from incidents.sla.metrics import SLA_BREACHES, SLA_WARNINGS
from incidents.sla.store import mark_due
from incidents.sla.targets import SlaClock
from incidents.thread_transaction import wait_on_loop
from streams.agents.safety import call_with_retries
from streams.clock import Clock
from streams.retry import RetryPolicy

STAGE = "sla-monitor"
#: Marks of one kind claimed per tick at most: a backlog (after an outage) drains over a few ticks
#: instead of holding one long transaction.
MARK_BATCH = 500


class SlaMonitor:
    """Announces due SLA warnings and breaches, marking each once across all workers."""

    def __init__(
        self,
        sessions: sessionmaker,
        publish: Publish,
        clock: Clock,
        *,
        batch: int = MARK_BATCH,
        retry: RetryPolicy = DATABASE_RETRY,
        publish_timeout_s: float = PUBLISH_TIMEOUT_S,
    ) -> None:
        if batch < 1:
            raise ValueError(f"batch = {batch} must be at least 1")
        self._sessions = sessions
        self._publish = publish
        self._clock = clock
        self._batch = batch
        self._retry = retry
        self._publish_timeout_s = publish_timeout_s
        for clock_kind in SlaClock:  # both kinds show on /metrics from the start, at 0
            SLA_BREACHES.labels(str(clock_kind))
            SLA_WARNINGS.labels(str(clock_kind))

    async def tick(self) -> list[IncidentEvent]:
        """Announce what is due now; returns the events announced.

        Raises:
            sqlalchemy.exc.OperationalError: the database stayed away through the retries.
            Exception: whatever the publish raised, or TimeoutError; nothing was marked.
        """
        now = self._clock.now()
        events = await call_with_retries(lambda: self._tick_once(now), stage=STAGE, retry=self._retry)
        for event in events:
            counter = SLA_BREACHES if event.kind is EventKind.SLA_BREACHED else SLA_WARNINGS
            counter.labels(event.detail).inc()
        return events

    async def _tick_once(self, now: datetime) -> list[IncidentEvent]:
        loop = asyncio.get_running_loop()

        def transaction() -> list[IncidentEvent]:
            with self._sessions() as session, session.begin():
                events = mark_due(session=session, now=now, limit=self._batch)
                for event in events:
                    wait_on_loop(loop, lambda: self._publish(event), self._publish_timeout_s)
                return events

        return await asyncio.to_thread(transaction)
