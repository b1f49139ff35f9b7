"""I/O: the runbook trigger agent (`incidents.events` → start or offer runbooks) and the overdue-step tick.

The agent reads like a sentence: decode the events, let the service start what the pure trigger
rules pick, idempotently (`runbook_executions.start_key`). Events are taken in small batches and
handled in one transaction (one by one if it fails, so only a bad event is dead-lettered). The
tick only claims durable rows (`runbook_step_runs.due_at`), so a restart or a second worker
loses and doubles nothing.
"""
from __future__ import annotations

import logging
from typing import Any, Mapping, Sequence

import faust

from incidents.db import DATABASE_RETRY
from incidents.events import IncidentEvent
from runbooks.service import RunbookService
from streams.agents.safety import run_batch_guarded
from streams.app import StreamTopics
from streams.records import BATCH_WINDOW_S

log = logging.getLogger(__name__)

#: The stage name: the agent's name, its metric label, and the stage on its dead letters.
STAGE = "runbook-trigger"
#: Events handled in one transaction at most (a storm's first seconds open many incidents at once).
TRIGGER_BATCH = 100


def register_runbook_trigger(app: faust.App, topics: StreamTopics, service: RunbookService, tick_s: float) -> None:
    """Add the trigger agent and the overdue tick to `app`."""

    async def handle_batch(values: Sequence[Mapping[str, Any]]) -> None:
        await service.on_events([IncidentEvent.from_dict(value) for value in values])

    async def handle(value: Mapping[str, Any]) -> None:
        await handle_batch([value])

    @app.agent(topics.events, name=STAGE)
    async def runbook_trigger(stream: faust.StreamT) -> None:
        async for values in stream.take(TRIGGER_BATCH, within=BATCH_WINDOW_S):
            await run_batch_guarded(
                stage=STAGE, values=values, batch_handler=handle_batch, handler=handle, dlq=topics.dlq,
                retry=DATABASE_RETRY,
            )

    @app.timer(tick_s)
    async def runbook_overdue() -> None:
        try:
            await service.run_overdue()
        except Exception:  # the next tick tries again; the rows are still due
            log.exception("runbook overdue tick failed; retrying at the next tick")
