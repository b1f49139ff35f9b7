"""I/O: the checks behind `/readyz` — consumer assigned, database reachable, broker reachable — each with a deadline.

`/healthz` says the process is alive; `/readyz` says this worker is doing its share. A load
balancer or Kubernetes takes a worker out of rotation while it answers 503, so the reason says
what to look at: the worker has not joined its consumer group (or the group is rebalancing after
a worker joined or died), the database does not answer, or the broker does not answer.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import faust
from faust.types import TP
from sqlalchemy import Engine, text

#: How long one check may take before the worker counts as not ready.
CHECK_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class ReadinessReport:
    """What /readyz answers: None or the first reason this worker is not ready, and the partitions it holds."""

    reason: str | None
    partitions: tuple[str, ...]


class Readiness:
    """Answers "is this worker ready?" and "which partitions does it hold?" (as `topic/partition`)."""

    def __init__(self, app: faust.App, engine: Engine, probe_topic: str, *, timeout_s: float = CHECK_TIMEOUT_S) -> None:
        """Check the broker by asking the worker's own consumer for `probe_topic`'s partition 0 end offset:
        no client of its own, one ListOffsets request per probe."""
        if timeout_s <= 0:
            raise ValueError(f"timeout_s = {timeout_s} must be above 0")
        self._app = app
        self._engine = engine
        self._probe = TP(probe_topic, 0)
        self._timeout_s = timeout_s
        self._assigned = False
        # At most one database check runs: a check that outlives its deadline keeps its thread, never piles up more.
        self._db_check: asyncio.Future[None] | None = None
        app.on_partitions_assigned.connect(self._on_assigned)

    async def _on_assigned(self, app: faust.App, assigned: Any, **kwargs: Any) -> None:  # noqa: ARG002 - signal signature
        """The first assignment, even an empty one (more workers than partitions), means the group took us in."""
        self._assigned = True

    async def check(self) -> ReadinessReport:
        """The reason this worker is not ready (None: ready) and the partitions assigned to it now."""
        return ReadinessReport(reason=await self.reason(), partitions=self.partitions())

    def partitions(self) -> tuple[str, ...]:
        """This worker's share of the group, so an operator sees where each partition went after a rebalance."""
        try:
            assigned = self._app.consumer.assignment()
        except Exception:  # noqa: BLE001 - a consumer not started yet holds nothing
            return ()
        return tuple(sorted(f"{tp.topic}/{tp.partition}" for tp in assigned))

    async def reason(self) -> str | None:
        """None when ready; else why not, in words an operator can act on."""
        if not self._assigned:
            return "consumer not assigned: the worker has not joined its consumer group yet"
        if self._app.rebalancing:
            return "consumer group rebalancing: partitions are moving between workers"
        if not await self._database_answers():
            return f"database unreachable: no answer to SELECT 1 within {self._timeout_s:g}s"
        if not await self._broker_answers():
            return f"broker unreachable: no end offset of {self._probe.topic} within {self._timeout_s:g}s"
        return None

    async def _database_answers(self) -> bool:
        if self._db_check is None or self._db_check.done():
            self._db_check = asyncio.ensure_future(asyncio.to_thread(self._select_one))
        try:
            await asyncio.wait_for(asyncio.shield(self._db_check), self._timeout_s)
        except Exception:  # noqa: BLE001 - a timeout or any driver error: the database does not answer
            return False
        return True

    def _select_one(self) -> None:
        with self._engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    async def _broker_answers(self) -> bool:
        try:
            await asyncio.wait_for(self._app.consumer.highwaters(self._probe), self._timeout_s)
        except Exception:  # noqa: BLE001 - a timeout, a consumer not started yet, a broker error: no answer
            return False
        return True
