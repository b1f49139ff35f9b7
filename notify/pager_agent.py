"""I/O: the pager agent: `incidents.events` → escalations and notices (notify/paging.py), then a timer tick.

Most events of a storm are alerts joining or leaving an incident, which paging does not follow;
those are skipped before any database work or timer wake-up. Each handled event otherwise takes
SQLite's write lock (every transaction is IMMEDIATE), so handling them made the incident writer
queue behind the pager for nothing (docs/benchmarks.md §8).
"""
from __future__ import annotations

import asyncio
from typing import Any, Mapping

import faust

from incidents.db import DATABASE_RETRY
from incidents.events import EventKind, IncidentEvent
from notify.paging import Paging
from notify.timers import TimerLoop
from streams.agents.safety import run_guarded
from streams.app import StreamTopics
from streams.clock import Clock

#: The stage name: the agent's name, its metric label, and its key in `streams.topics.STAGE_INPUTS`.
STAGE = "pager"
#: Kinds paging has no handler for (notify/paging_events.py) that arrive by the thousand in a storm.
UNPAGED_KINDS = frozenset({EventKind.ALERT_ATTACHED, EventKind.ALERT_RESOLVED})


def register_pager(app: faust.App, topics: StreamTopics, paging: Paging, timers: TimerLoop, clock: Clock) -> None:
    """Add the pager agent and the paging timer loop to `app`."""

    async def handle(value: Mapping[str, Any]) -> None:
        event = IncidentEvent.from_dict(value)
        if event.kind in UNPAGED_KINDS:
            return
        await asyncio.to_thread(paging.handle_event, event, clock.now())
        timers.wake()

    @app.agent(topics.events, name=STAGE)
    async def pager_agent(stream: faust.StreamT) -> None:
        async for value in stream:
            await run_guarded(stage=STAGE, value=value, handler=handle, dlq=topics.dlq, retry=DATABASE_RETRY)

    @app.task
    async def paging_timers() -> None:
        await timers.run_forever()
