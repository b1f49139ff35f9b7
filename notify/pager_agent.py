"""I/O: the pager agent: `incidents.events` → escalations and notices (notify/paging.py), then a timer tick.

Each handled event takes SQLite's write lock (every transaction is IMMEDIATE); the thousands of
alerts joining an incident in a storm are therefore not announced on `incidents.events` at all
(`incidents.events.TIMELINE_ONLY_KINDS`), so the writer does not queue behind the pager for them.
"""
from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import faust

from incidents.db import DATABASE_RETRY
from incidents.events import IncidentEvent
from notify.paging import Paging
from notify.timers import TimerLoop
from streams.agents.safety import run_guarded
from streams.app import StreamTopics
from streams.clock import Clock

#: The stage name: the agent's name, its metric label, and its key in `streams.topics.STAGE_INPUTS`.
STAGE = "pager"


def register_pager(app: faust.App, topics: StreamTopics, paging: Paging, timers: TimerLoop, clock: Clock) -> None:
    """Add the pager agent and the paging timer loop to `app`."""

    async def handle(value: Mapping[str, Any]) -> None:
        event = IncidentEvent.from_dict(value)
        await asyncio.to_thread(paging.handle_event, event, clock.now())
        timers.wake()

    @app.agent(topics.events, name=STAGE)
    async def pager_agent(stream: faust.StreamT) -> None:
        async for value in stream:
            await run_guarded(stage=STAGE, value=value, handler=handle, dlq=topics.dlq, retry=DATABASE_RETRY)

    @app.task
    async def paging_timers() -> None:
        await timers.run_forever()
