"""I/O: the incident writer agent: `incidents.commands` → rows in the database → `incidents.events`.

The database is the system of record. Each command is applied in its own transaction and the
resulting events are announced only after the commit; a replayed command re-announces the
same events (stable ids), which consumers handle idempotently. A database that is briefly away
is waited out (retry with backoff) rather than skipping commands.
"""
from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Mapping

import faust
from sqlalchemy.orm import sessionmaker

from incidents.db import DATABASE_RETRY
from incidents.events import EventKind, IncidentEvent
from incidents.metrics import INCIDENT_COMMANDS, INCIDENTS_OPENED
from incidents.store import apply_command
from streams.agents.safety import run_guarded
from streams.app import StreamTopics
from streams.clock import Clock
from streams.correlation.commands import IncidentCommand


def apply_in_transaction(sessions: sessionmaker, command: IncidentCommand, now: datetime) -> list[IncidentEvent]:
    """Apply one command in one committed transaction and return the events it produced."""
    with sessions() as session, session.begin():
        return apply_command(session=session, command=command, now=now)


def register_writer(app: faust.App, topics: StreamTopics, sessions: sessionmaker, clock: Clock) -> None:
    """Add the incident writer agent to `app`."""

    async def handle(value: Mapping[str, Any]) -> None:
        command = IncidentCommand.from_dict(value)
        events = await asyncio.to_thread(apply_in_transaction, sessions, command, clock.now())
        INCIDENT_COMMANDS.labels(str(command.kind)).inc()
        for event in events:
            if event.kind is EventKind.OPENED:
                INCIDENTS_OPENED.inc()
            await topics.events.send(key=str(event.incident_id).encode(), value=event.to_dict())

    @app.agent(topics.commands, name="incident-writer")
    async def incident_writer(stream: faust.StreamT) -> None:
        async for value in stream:
            await run_guarded(stage="incident-writer", value=value, handler=handle, dlq=topics.dlq, retry=DATABASE_RETRY)
