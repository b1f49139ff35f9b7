"""Pure: has a stage handled everything on a partition so far, or is part of it still waiting?

Why: correlation runs in event time (streams/correlation/engine.py). Its timer may move a scope
to wall-clock time only when no change of that scope still waits on the scope's partition;
otherwise a worker that took over a partition with a backlog would release hold-downs and
resolve quiet incidents ahead of the changes that should have come first. Offsets follow
Kafka's convention: the end offset is the offset the next record will get, so a partition is
caught up when the next offset to handle has reached it.

The end offset a consumer knows is the one its last fetch reported. It can be unknown (no
fetch yet) or stay ahead of the records (a gap in the offsets), and the timer must not stop
for good on either. So a partition also counts as caught up once nothing of it was handled
for `idle_after_s`: a backlog keeps its stage handling records, an idle partition does not.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass
class PartitionProgress:
    """Per partition: the next offset to handle and when it last moved (monotonic seconds)."""

    idle_after_s: float
    _next: dict[int, int] = field(default_factory=dict)
    _moved_at: dict[int, float] = field(default_factory=dict)

    def started(self, partitions: Iterable[int], at: float) -> None:
        """The stage is ready to handle `partitions` (assigned and settled) from `at`."""
        for partition in partitions:
            self._moved_at[partition] = at

    def handled(self, last_offsets: Mapping[int, int], at: float) -> None:
        """The stage handled records up to these offsets (partition -> offset of the last record)."""
        for partition, offset in last_offsets.items():
            self._next[partition] = max(self._next.get(partition, 0), offset + 1)
            self._moved_at[partition] = at

    def forget(self) -> None:
        """Drop everything (the partitions were revoked)."""
        self._next.clear()
        self._moved_at.clear()

    def caught_up(self, partition: int, end_offset: int | None, at: float) -> bool:
        """True when nothing handed to this stage on `partition` is left to handle, as far as can be told at `at`.

        A partition the stage was never started on is not caught up: its backlog is not known yet.
        """
        moved_at = self._moved_at.get(partition)
        if moved_at is None:
            return False
        if at - moved_at >= self.idle_after_s:
            return True
        handled = self._next.get(partition)
        return end_offset is not None and handled is not None and handled >= end_offset
