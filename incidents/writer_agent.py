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
briefly away, or a writer process that died, is waited out (retry with backoff) rather than
skipping commands. The transactions run in the writer process (`incidents/writer_process.py`),
so the database work never competes with the alert path's stages for one interpreter.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import faust

from incidents.events import EventKind
from incidents.metrics import INCIDENT_COMMANDS, INCIDENTS_OPENED
from incidents.writer_process import WRITER_RETRY, WriterProcess
from streams.agents.safety import flatten_guarded, run_batch_guarded
from streams.app import StreamTopics
from streams.clock import Clock
from streams.metrics import count_by_label
from streams.records import BATCH_WINDOW_S, chunks

#: The stage name: the agent's name, its metric label, and its key in `streams.topics.STAGE_INPUTS`.
STAGE = "incident-writer"
WRITER_BATCH = 200
#: Commands per transaction at most: a batch of records can hold tens of thousands of commands, and
#: one transaction of 20,000 took ~35 s (the session's pending rows make every look-up slower) and
#: held back every incident of the storm until its commit (docs/benchmarks.md §9).
WRITER_TRANSACTION = 500
log = logging.getLogger(__name__)


def register_writer(app: faust.App, topics: StreamTopics, writer: WriterProcess, clock: Clock) -> None:
    """Add the incident writer agent to `app`, applying its transactions in `writer`'s process."""

    @app.task
    async def start_writer_process() -> None:
        try:
            await writer.start()
        except Exception:  # noqa: BLE001 - the first batch starts it again, with retries
            log.exception("starting the writer process failed")

    async def write(values: Sequence[Mapping[str, Any]]) -> None:
        events = await writer.apply(values, clock.now())
        count_by_label(INCIDENT_COMMANDS, (str(value.get("kind")) for value in values))
        for event in events:
            if event.kind is EventKind.OPENED:
                INCIDENTS_OPENED.inc()
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
                    retry=WRITER_RETRY,
                )
