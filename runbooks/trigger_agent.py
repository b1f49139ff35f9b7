"""I/O: the runbook trigger agent (`incidents.events` → start or offer runbooks) and the overdue-step tick.

The agent reads like a sentence: decode the event, let the service start what the pure trigger
rules pick, idempotently (`runbook_executions.start_key`). The tick only claims durable rows
(`runbook_step_runs.due_at`), so a restart or a second worker loses and doubles nothing.
"""
from __future__ import annotations

import logging
from typing import Any, Mapping

import faust

from incidents.db import DATABASE_RETRY
from incidents.events import IncidentEvent
from runbooks.service import RunbookService
from streams.agents.safety import run_guarded
from streams.app import StreamTopics

log = logging.getLogger(__name__)

#: The stage name: the agent's name, its metric label, and the stage on its dead letters.
STAGE = "runbook-trigger"


def register_runbook_trigger(app: faust.App, topics: StreamTopics, service: RunbookService, tick_s: float) -> None:
    """Add the trigger agent and the overdue tick to `app`."""

    async def handle(value: Mapping[str, Any]) -> None:
        await service.on_event(IncidentEvent.from_dict(value))

    @app.agent(topics.events, name=STAGE)
    async def runbook_trigger(stream: faust.StreamT) -> None:
        async for value in stream:
            await run_guarded(stage=STAGE, value=value, handler=handle, dlq=topics.dlq, retry=DATABASE_RETRY)

    @app.timer(tick_s)
    async def runbook_overdue() -> None:
        try:
            await service.run_overdue()
        except Exception:  # the next tick tries again; the rows are still due
            log.exception("runbook overdue tick failed; retrying at the next tick")
