"""I/O: the heartbeat timer: a faust timer that ticks `HeartbeatMonitor.check`, plus the sync at start-up.

The timer is only a tick; the deadlines are rows in the database (durable timers), so a check
missed while a worker was down is made by the next tick of any worker. Every worker ticks;
row locks keep two of them from reporting the same heartbeat. An exception in a tick is logged
and counted and never escapes: an exception would end the faust timer task for good.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

import faust

from incidents.heartbeats.metrics import HEARTBEAT_CHECK_FAILURES
from incidents.heartbeats.monitor import HeartbeatMonitor

log = logging.getLogger(__name__)


async def run_logged(step: Callable[[], Awaitable[object]], what: str) -> bool:
    """Await `step()`; log and count a failure instead of raising. Returns True on success."""
    try:
        await step()
        return True
    except asyncio.CancelledError:
        raise
    except Exception as error:  # the next tick tries again; the worker must live on
        HEARTBEAT_CHECK_FAILURES.inc()
        log.error("heartbeats: %s failed, trying again on the next tick: %s: %s", what, type(error).__name__, error)
        return False


def register_heartbeats(app: faust.App, monitor: HeartbeatMonitor, *, check_interval_s: float) -> None:
    """Add the start-up sync and the check timer of `monitor` to `app`."""

    @app.task
    async def heartbeat_sync() -> None:
        await run_logged(monitor.sync, "sync")

    @app.timer(check_interval_s, name="heartbeat-check")
    async def heartbeat_check() -> None:
        await run_logged(monitor.check, "check")
