"""I/O: the timer loop — due escalation steps and notices become outbox rows, due outbox rows are sent.

It runs on every worker. Rows are claimed with `FOR UPDATE SKIP LOCKED` (notify/outbox.py,
notify/escalation_store.py), so several workers share the timers and a worker that dies leaves
them for the others. Between ticks it sleeps `interval_s`, or less when woken: the pager wakes it
after an incident opens, so the first page does not wait for the next tick.

At its first tick and every `SWEEP_INTERVAL` after, it also looks for triggered incidents that
are not escalating, because their OPENED or REOPENED never reached the pager, and pages them
(`Paging.page_unpaged`): a page is not lost with the event that should have started it.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from notify.dispatcher import Dispatcher
from notify.notices import Notices
from notify.paging import Paging
from streams.clock import Clock

log = logging.getLogger(__name__)

#: After an unexpected error the loop waits this long (doubling, capped) before trying again.
_ERROR_BACKOFF_S = 1.0
_ERROR_BACKOFF_CAP_S = 30.0

#: How often the loop looks for triggered incidents that are not escalating.
SWEEP_INTERVAL = timedelta(seconds=10)


class TimerLoop:
    """Runs escalation steps and sends due messages, again and again."""

    def __init__(
        self, paging: Paging, dispatcher: Dispatcher, clock: Clock, interval_s: float = 0.5, notices: Notices | None = None
    ) -> None:
        self._paging = paging
        self._dispatcher = dispatcher
        self._notices = notices
        self._clock = clock
        self._interval_s = interval_s
        self._wake = asyncio.Event()
        self._next_sweep_at: datetime | None = None

    def wake(self) -> None:
        """Run a tick now rather than at the next interval."""
        self._wake.set()

    async def tick(self) -> int:
        """Page unpaged incidents when a sweep is due, plan notices, evaluate due escalations, then send due messages,
        until nothing more is due now; return the work done."""
        done = 0
        now = self._clock.now()
        if self._next_sweep_at is None or now >= self._next_sweep_at:
            done += await asyncio.to_thread(self._paging.page_unpaged, now)
            self._next_sweep_at = now + SWEEP_INTERVAL
        if self._notices is not None:
            done += await asyncio.to_thread(self._notices.run, self._clock.now())
        while True:
            now = self._clock.now()
            stepped = await asyncio.to_thread(self._paging.run_due_escalations, now)
            sent = await self._dispatcher.run_due(now)
            done += stepped + sent
            if not stepped and not sent:
                return done

    async def run_forever(self) -> None:
        """Tick forever; an error is logged and retried with capped backoff, never ends the loop."""
        backoff = _ERROR_BACKOFF_S
        while True:
            # Cleared before the tick, not after: a wake-up that arrives while a tick runs (an incident
            # opened meanwhile) starts the next tick at once instead of being lost until the interval.
            self._wake.clear()
            try:
                await self.tick()
                backoff = _ERROR_BACKOFF_S
                wait = self._interval_s
            except Exception:
                log.exception("paging timer tick failed; retrying in %.1fs", backoff)
                wait, backoff = backoff, min(backoff * 2, _ERROR_BACKOFF_CAP_S)
            try:
                await asyncio.wait_for(self._wake.wait(), wait)
            except TimeoutError:
                pass
