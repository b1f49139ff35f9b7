"""Which workers count as dead: the pure rule behind the member reaper."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from alertdesk.member_liveness import MIN_STALE_AFTER, Liveness, SeenWorker, dead_workers

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)


def seen(key: str, ago_s: float) -> SeenWorker:
    return SeenWorker(worker_key=key, member_id=f"member-{key}", host="h", pid=1,
                      seen_at=NOW - timedelta(seconds=ago_s))


def test_a_worker_writes_three_times_per_session_and_is_dead_after_three_sessions_but_never_under_30_s():
    assert Liveness.for_session_timeout(10) == Liveness(interval=timedelta(seconds=10 / 3), stale_after=MIN_STALE_AFTER)
    assert Liveness.for_session_timeout(6).stale_after == MIN_STALE_AFTER
    assert Liveness.for_session_timeout(20) == Liveness(interval=timedelta(seconds=20 / 3),
                                                        stale_after=timedelta(seconds=60))


@pytest.mark.parametrize("timeout", [0, -1])
def test_a_session_timeout_must_be_positive(timeout):
    with pytest.raises(ValueError, match="must be above 0"):
        Liveness.for_session_timeout(timeout)


def test_only_other_workers_silent_longer_than_the_stale_time_are_dead_longest_silent_first():
    rows = [seen("me", 300), seen("fresh", 5), seen("edge", 30), seen("dead", 31), seen("older", 120)]
    dead = dead_workers(rows, me="me", now=NOW, stale_after=timedelta(seconds=30))
    assert [row.worker_key for row in dead] == ["older", "dead"]
