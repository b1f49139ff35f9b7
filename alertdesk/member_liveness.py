"""Pure: which workers count as dead, from when each was last seen in the database.

A worker writes its liveness row every `interval`; one not seen for `stale_after` has died
(SIGKILL, OOM, a lost machine) or is stuck. `stale_after` is kept well above the session
timeout Kafka itself uses: the worker's Kafka heartbeats run in faust's consumer thread and go on
while its event loop is busy, so a worker whose row is merely late because of a storm must not
be thrown out of its group, while one that is really gone is dropped within seconds of the
threshold rather than whenever the broker gets round to it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

#: Never call a worker dead sooner than this, whatever the session timeout.
MIN_STALE_AFTER = timedelta(seconds=30)


@dataclass(frozen=True)
class Liveness:
    """How often a worker says it is alive, and after how long without a word it counts as dead."""

    interval: timedelta
    stale_after: timedelta

    @classmethod
    def for_session_timeout(cls, session_timeout_s: float) -> Liveness:
        """A third of the session timeout between writes; dead after three session timeouts, at least 30 s."""
        if session_timeout_s <= 0:
            raise ValueError(f"session_timeout_s = {session_timeout_s} must be above 0")
        session = timedelta(seconds=session_timeout_s)
        return cls(interval=session / 3, stale_after=max(session * 3, MIN_STALE_AFTER))


@dataclass(frozen=True)
class SeenWorker:
    """A liveness row as the reaper reads it."""

    worker_key: str
    member_id: str | None
    host: str
    pid: int
    seen_at: datetime


def dead_workers(rows: Iterable[SeenWorker], *, me: str, now: datetime, stale_after: timedelta) -> list[SeenWorker]:
    """The other workers last seen more than `stale_after` before `now`, longest silent first."""
    dead = [row for row in rows if row.worker_key != me and now - row.seen_at > stale_after]
    return sorted(dead, key=lambda row: row.seen_at)
