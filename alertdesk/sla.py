"""I/O: composition of the SLA clocks — the policy from the settings, and the monitor's timer on the faust app.

The timer is only a tick; the deadlines are columns on `incidents` (durable timers), so every
worker ticks and the conditional marks keep two of them from announcing the same breach. A
failed tick is logged and counted and never escapes: an exception would end the faust timer
task for good.
"""
from __future__ import annotations

import asyncio
import logging

import faust
from sqlalchemy.orm import sessionmaker

from alertdesk.settings import Settings, sla_policy
from incidents.action_service import topic_publisher
from incidents.sla.metrics import SLA_CHECK_FAILURES
from incidents.sla.monitor import SlaMonitor
from incidents.sla.targets import SlaPolicy
from streams.app import StreamTopics
from streams.clock import Clock

log = logging.getLogger(__name__)


def register_sla(
    app: faust.App, topics: StreamTopics, sessions: sessionmaker, clock: Clock, settings: Settings
) -> SlaPolicy:
    """Add the SLA monitor's timer to `app`; return the policy the incident writer sets deadlines with."""
    policy = sla_policy(settings)
    monitor = SlaMonitor(sessions, topic_publisher(topics.events), clock)

    @app.timer(settings.sla_check_interval_s, name="sla-check")
    async def sla_check() -> None:
        await check_logged(monitor)

    return policy


async def check_logged(monitor: SlaMonitor) -> None:
    """Run one monitor tick; log and count a failure instead of raising (the next tick tries again)."""
    try:
        await monitor.tick()
    except asyncio.CancelledError:
        raise
    except Exception as error:  # the database or the broker is away: the marks were rolled back
        SLA_CHECK_FAILURES.inc()
        log.error("sla: check failed, trying again on the next tick: %s: %s", type(error).__name__, error)
