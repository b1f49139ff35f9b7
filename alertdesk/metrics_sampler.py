"""I/O: the timer that samples the gauges whose values live elsewhere — Kafka offsets and database counts.

/metrics must stay cheap and never touch the broker or the database (Prometheus scrapes every
worker every few seconds, and a scrape that hangs on a dead database hides the outage it should
show). So every `metrics_sample_interval_s` each worker samples once and the gauges serve the
last values. A failed sample is logged and counted and never escapes: an exception would end the
faust timer for good.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import faust
from sqlalchemy.orm import sessionmaker

from alertdesk.metrics import METRICS_SAMPLE_FAILURES
from alertdesk.settings import Settings, SettingsError
from incidents.open_gauge import sample_open_incidents
from notify.escalation_gauges import sample_due_escalations
from streams.app import StreamTopics
from streams.clock import Clock
from streams.lag_sampler import LagSampler

log = logging.getLogger(__name__)
#: How long one database count may take before the sample is given up (the thread finishes on its own).
QUERY_TIMEOUT_S = 10.0
SAMPLERS = ("lag", "incidents", "escalations")


def register_metrics_sampler(
    app: faust.App, topics: StreamTopics, sessions: sessionmaker, clock: Clock, settings: Settings
) -> Callable[[], Awaitable[None]]:
    """Add the sampling timer to `app`; returns one sampling round (what the timer runs), for tests.

    Raises:
        SettingsError: `metrics_sample_interval_s` or `escalation_overdue_after_s` is not positive.
    """
    for name in ("metrics_sample_interval_s", "escalation_overdue_after_s"):
        if getattr(settings, name) <= 0:
            raise SettingsError(f"{name} = {getattr(settings, name)} must be above 0")
    consumed = [name for name in topics.names.all() if name != topics.names.dlq]
    lag = LagSampler(app, pipeline_topics=consumed, dlq_topic=topics.names.dlq, dlq_partitions=settings.partitions)
    overdue_after = timedelta(seconds=settings.escalation_overdue_after_s)
    for sampler in SAMPLERS:  # every sampler shows on /metrics from the start, at 0
        METRICS_SAMPLE_FAILURES.labels(sampler)

    async def sample_once() -> None:
        now = clock.now()
        await sampled("lag", lag.sample)
        await sampled("incidents", lambda: _in_thread(sample_open_incidents, sessions))
        await sampled(
            "escalations", lambda: _in_thread(sample_due_escalations, sessions, now=now, overdue_after=overdue_after)
        )

    @app.timer(settings.metrics_sample_interval_s, name="metrics-sample")
    async def metrics_sample() -> None:
        await sample_once()

    return sample_once


async def _in_thread(function: Callable, *args, **kwargs) -> None:
    await asyncio.wait_for(asyncio.to_thread(function, *args, **kwargs), QUERY_TIMEOUT_S)


async def sampled(sampler: str, sample: Callable[[], Awaitable[object]]) -> None:
    """Run one sample; log and count a failure instead of raising (the gauge keeps its last value)."""
    try:
        await sample()
    except asyncio.CancelledError:
        raise
    except Exception as error:  # broker or database away, or the consumer not started yet
        METRICS_SAMPLE_FAILURES.labels(sampler).inc()
        log.warning("metrics: %s sample failed, trying again on the next tick: %s: %s",
                    sampler, type(error).__name__, error)
