"""I/O: the pager agent: `incidents.events` → escalations and notices (notify/paging.py), then a timer tick.

Events are taken in small batches (`PAGER_BATCH`, or what arrived within `BATCH_WINDOW_S`) and
handled in one transaction; if it fails they are handled one by one, so only a bad event is
dead-lettered. Each transaction takes SQLite's write lock (every transaction is IMMEDIATE), which
the incident writer needs too; so the thousands of alerts joining an incident in a storm are not
announced on `incidents.events` at all (`incidents.events.TIMELINE_ONLY_KINDS`), and kinds the
pager does not follow open no transaction.
"""
from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import faust

from incidents.db import DATABASE_RETRY
from incidents.events import IncidentEvent
from notify.paging import Paging
from notify.timers import TimerLoop
from streams.agents.safety import run_batch_guarded
from streams.app import StreamTopics
from streams.clock import Clock
from streams.records import BATCH_WINDOW_S

#: The stage name: the agent's name, its metric label, and its key in `streams.topics.STAGE_INPUTS`.
STAGE = "pager"
#: Events handled in one transaction at most: the burst of a storm's first seconds (every incident's
#: OPENED, PRIORITY_CHANGED, MAJOR_DECLARED) then takes the database's write lock a few times, not once per event.
PAGER_BATCH = 100


def register_pager(app: faust.App, topics: StreamTopics, paging: Paging, timers: TimerLoop, clock: Clock) -> None:
    """Add the pager agent and the paging timer loop to `app`."""

    async def handle_batch(values: Sequence[Mapping[str, Any]]) -> None:
        events = [IncidentEvent.from_dict(value) for value in values]
        await asyncio.to_thread(paging.handle_events, events, clock.now())
        timers.wake()

    async def handle(value: Mapping[str, Any]) -> None:
        await handle_batch([value])

    @app.agent(topics.events, name=STAGE)
    async def pager_agent(stream: faust.StreamT) -> None:
        async for values in stream.take(PAGER_BATCH, within=BATCH_WINDOW_S):
            await run_batch_guarded(
                stage=STAGE, values=values, batch_handler=handle_batch, handler=handle, dlq=topics.dlq,
                retry=DATABASE_RETRY,
            )

    @app.task
    async def paging_timers() -> None:
        await timers.run_forever()
