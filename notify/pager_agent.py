"""I/O: the pager agent: `incidents.events` → outbox rows → channels, through `notify.pager.Pager`."""
from __future__ import annotations

from typing import Any, Mapping

import faust

from incidents.db import DATABASE_RETRY
from incidents.events import IncidentEvent
from notify.pager import Pager
from streams.agents.safety import run_guarded
from streams.app import StreamTopics

#: The stage name: the agent's name, its metric label, and its key in `streams.topics.STAGE_INPUTS`.
STAGE = "pager"


def register_pager(app: faust.App, topics: StreamTopics, pager: Pager) -> None:
    """Add the pager agent to `app`."""

    async def handle(value: Mapping[str, Any]) -> None:
        await pager.handle(IncidentEvent.from_dict(value))

    @app.agent(topics.events, name=STAGE)
    async def pager_agent(stream: faust.StreamT) -> None:
        async for value in stream:
            await run_guarded(stage=STAGE, value=value, handler=handle, dlq=topics.dlq, retry=DATABASE_RETRY)
