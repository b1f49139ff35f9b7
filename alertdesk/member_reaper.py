"""I/O: every worker says it is alive in the database, and drops the group membership of workers that died.

A worker killed without leaving its consumer group keeps its partitions until the broker
expires it. Kafka does that one session timeout later; the embedded broker (tansu 0.6) has
taken minutes, during which the dead worker's share of every topic stands still
(docs/workers.md). So each worker writes a liveness row (`worker_members`) every
`Liveness.interval`, and when another worker's row is older than `Liveness.stale_after` it sends
the group coordinator a LeaveGroup for that worker's member id (streams/group_member.py): the
group rebalances at once and the survivors take the partitions over. Any number of workers may
do this for the same dead one: the coordinator answers the later ones "unknown member". The row
is deleted only if it is still stale, so a worker that was merely slow writes it again and
rejoins its group as any dropped member does. Only with PostgreSQL: on SQLite there is one worker.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import faust
from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker

from alertdesk.member_liveness import Liveness, SeenWorker, dead_workers
from alertdesk.member_models import WorkerMember
from alertdesk.metrics import GROUP_MEMBERS_DROPPED
from streams.clock import Clock
from streams.group_member import UNKNOWN_MEMBER_ID, current_member_id, leave_on_behalf

log = logging.getLogger(__name__)
#: How long one LeaveGroup round trip (connect, find the coordinator, leave) may take.
LEAVE_TIMEOUT_S = 5.0


class WorkerRegistry:
    """The `worker_members` rows of one consumer group (blocking; called in a thread)."""

    def __init__(self, sessions: sessionmaker, group: str) -> None:
        self._sessions = sessions
        self._group = group

    def beat(self, worker_key: str, member_id: str | None, started_at: datetime, now: datetime) -> list[SeenWorker]:
        """Write this worker's row (seen now) and return every row of the group."""
        with self._sessions() as session, session.begin():
            row = session.get(WorkerMember, worker_key)
            if row is None:
                row = WorkerMember(worker_key=worker_key, group_id=self._group, host=socket.gethostname(),
                                   pid=os.getpid(), started_at=started_at, seen_at=now)
                session.add(row)
            row.member_id, row.seen_at = member_id, now
            session.flush()
            rows = session.scalars(select(WorkerMember).where(WorkerMember.group_id == self._group))
            return [SeenWorker(r.worker_key, r.member_id, r.host, r.pid, r.seen_at) for r in rows]

    def forget(self, worker: SeenWorker) -> bool:
        """Delete a dead worker's row unless it wrote it again meanwhile; True if deleted."""
        with self._sessions() as session, session.begin():
            gone = session.execute(delete(WorkerMember).where(
                WorkerMember.worker_key == worker.worker_key, WorkerMember.seen_at == worker.seen_at))
            return gone.rowcount == 1

    def remove(self, worker_key: str) -> None:
        """Delete this worker's own row: it is stopping and leaves its group itself."""
        with self._sessions() as session, session.begin():
            session.execute(delete(WorkerMember).where(WorkerMember.worker_key == worker_key))


def register_member_reaper(
    app: faust.App, sessions: sessionmaker, clock: Clock, *, bootstrap_servers: Sequence[str], liveness: Liveness
) -> Callable[[], Awaitable[None]]:
    """Add the liveness timer to `app`; returns one round of it (what the timer runs), for tests."""
    group = app.conf.id  # faust's consumer group is the app id
    registry = WorkerRegistry(sessions, group)
    worker_key, started_at = uuid.uuid4().hex, clock.now()

    async def leave(worker: SeenWorker, member_id: str) -> bool:
        """Ask the broker to drop the dead worker's member; True once the broker no longer has it."""
        try:
            code = await leave_on_behalf(bootstrap_servers, group, member_id, timeout_s=LEAVE_TIMEOUT_S)
            error = None if code in (0, UNKNOWN_MEMBER_ID) else f"error code {code}"
        except Exception as exc:  # noqa: BLE001 - the broker is away or refused: the next tick tries again
            code, error = None, str(exc) or type(exc).__name__
        silent_s = (clock.now() - worker.seen_at).total_seconds()
        if error:
            GROUP_MEMBERS_DROPPED.labels("failed").inc()
            log.warning("worker pid %d on %s silent for %.0fs; dropping its group member failed (%s), trying again",
                        worker.pid, worker.host, silent_s, error)
            return False
        outcome = "already_gone" if code == UNKNOWN_MEMBER_ID else "dropped"
        GROUP_MEMBERS_DROPPED.labels(outcome).inc()
        log.warning("worker pid %d on %s silent for %.0fs: its group member %s is %s",
                    worker.pid, worker.host, silent_s, member_id, outcome.replace("_", " "))
        return True

    async def beat_and_reap() -> None:
        now = clock.now()
        rows = await asyncio.to_thread(registry.beat, worker_key, current_member_id(app), started_at, now)
        for worker in dead_workers(rows, me=worker_key, now=now, stale_after=liveness.stale_after):
            if worker.member_id is None or await leave(worker, worker.member_id):
                await asyncio.to_thread(registry.forget, worker)

    @app.timer(liveness.interval.total_seconds())
    async def member_liveness() -> None:
        try:
            await beat_and_reap()
        except Exception:  # noqa: BLE001 - the database is away: the next tick tries again
            log.exception("writing this worker's liveness row failed; trying again in %.1fs",
                          liveness.interval.total_seconds())

    @app.on_before_shutdown.connect
    async def forget_this_worker(app: faust.App, **kwargs: object) -> None:  # noqa: ARG001 - signal signature
        try:
            await asyncio.wait_for(asyncio.to_thread(registry.remove, worker_key), LEAVE_TIMEOUT_S)
        except Exception:  # noqa: BLE001 - stopping anyway; the others drop the row once it is stale
            log.warning("could not delete this worker's liveness row on the way out; the others will", exc_info=True)

    return beat_and_reap
