"""I/O: the incident writer agent: `incidents.commands` → rows in the database → `incidents.events`.

The database is the system of record. Commands are taken in small batches (up to
`WRITER_BATCH` records, each one command or a batch of them (streams/records.py), or whatever
arrived within `BATCH_WINDOW_S`) and applied `WRITER_TRANSACTION` at a time, each in one
transaction (runs of attaches with a few statements, everything else command by command,
`incidents/store_batch.py`); the events are announced only after the commit.
One transaction per batch instead of per command is what lets the writer keep up with a storm
(docs/benchmarks.md). If a batch fails, its commands are applied one by one so only the bad
one is dead-lettered. Alerts joining and leaving an incident are on its timeline but not
announced (`TIMELINE_ONLY_KINDS`): no consumer acts on them. A replayed command re-announces
the same events (stable ids), which consumers handle idempotently. A database that is
briefly away is waited out (retry with backoff) rather than skipping commands.
"""
from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import faust
from sqlalchemy.orm import sessionmaker

from incidents.db import DATABASE_RETRY
from incidents.events import TIMELINE_ONLY_KINDS, EventKind, IncidentEvent
from incidents.metrics import INCIDENT_COMMANDS, INCIDENTS_OPENED
from incidents.sla.targets import DEFAULT_POLICY, SlaPolicy
from incidents.store_batch import apply_commands
from streams.agents.safety import flatten_guarded, run_batch_guarded
from streams.app import StreamTopics
from streams.clock import Clock
from streams.correlation.commands import IncidentCommand
from streams.records import BATCH_WINDOW_S, chunks

#: The stage name: the agent's name, its metric label, and its key in `streams.topics.STAGE_INPUTS`.
STAGE = "incident-writer"
WRITER_BATCH = 200
#: Commands per transaction at most: a batch of records can hold tens of thousands of commands, and
#: one transaction of 20,000 took ~35 s (the session's pending rows make every look-up slower) and
#: held back every incident of the storm until its commit (docs/benchmarks.md §9).
WRITER_TRANSACTION = 500


def apply_in_transaction(
    sessions: sessionmaker, commands: Sequence[IncidentCommand], now: datetime, sla: SlaPolicy = DEFAULT_POLICY
) -> list[IncidentEvent]:
    """Apply `commands` in order in one committed transaction and return the events they produced."""
    with sessions() as session, session.begin():
        return apply_commands(session=session, commands=commands, now=now, sla=sla)


def register_writer(
    app: faust.App, topics: StreamTopics, sessions: sessionmaker, clock: Clock, sla: SlaPolicy = DEFAULT_POLICY
) -> None:
    """Add the incident writer agent to `app`; `sla` sets the deadlines of the incidents it opens."""

    async def write(values: Sequence[Mapping[str, Any]]) -> None:
        commands = [IncidentCommand.from_dict(value) for value in values]
        events = await asyncio.to_thread(apply_in_transaction, sessions, commands, clock.now(), sla)
        for command in commands:
            INCIDENT_COMMANDS.labels(str(command.kind)).inc()
        for event in events:
            if event.kind is EventKind.OPENED:
                INCIDENTS_OPENED.inc()
            if event.kind in TIMELINE_ONLY_KINDS:
                continue
            await topics.events.send(key=str(event.incident_id).encode(), value=event.to_dict())

    async def write_one(value: Mapping[str, Any]) -> None:
        await write([value])

    @app.agent(topics.commands, name=STAGE)
    async def incident_writer(stream: faust.StreamT) -> None:
        async for records in stream.take(WRITER_BATCH, within=BATCH_WINDOW_S):
            commands = await flatten_guarded(stage=STAGE, records=records, dlq=topics.dlq)
            for transaction in chunks(commands, WRITER_TRANSACTION):
                await run_batch_guarded(
                    stage=STAGE,
                    values=transaction,
                    batch_handler=write,
                    handler=write_one,
                    dlq=topics.dlq,
                    retry=DATABASE_RETRY,
                )
