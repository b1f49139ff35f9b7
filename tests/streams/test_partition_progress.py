"""`PartitionProgress`: when a stage's partition counts as caught up for correlation's timer."""
from __future__ import annotations

from streams.partition_progress import PartitionProgress


def test_a_partition_is_caught_up_once_its_last_record_is_handled() -> None:
    progress = PartitionProgress(idle_after_s=3.0)
    progress.started([0, 1], at=100.0)
    progress.handled({0: 41}, at=100.5)
    assert progress.caught_up(0, end_offset=42, at=101.0)
    assert not progress.caught_up(0, end_offset=50, at=101.0), "records 42-49 are still to be handled"
    assert not progress.caught_up(0, end_offset=None, at=101.0), "no end offset fetched yet"


def test_a_partition_nothing_was_handled_from_waits_until_it_has_been_idle() -> None:
    progress = PartitionProgress(idle_after_s=3.0)
    assert not progress.caught_up(0, end_offset=0, at=0.0), "never started: its backlog is not known"
    progress.started([0], at=100.0)
    assert not progress.caught_up(0, end_offset=7, at=102.9)
    assert progress.caught_up(0, end_offset=7, at=103.0)


def test_an_end_offset_that_stays_ahead_does_not_stop_the_timer_for_good() -> None:
    progress = PartitionProgress(idle_after_s=3.0)
    progress.started([0], at=100.0)
    progress.handled({0: 9}, at=100.0)
    assert not progress.caught_up(0, end_offset=11, at=102.0)
    assert progress.caught_up(0, end_offset=11, at=103.0)


def test_handled_offsets_never_go_back_and_forget_drops_everything() -> None:
    progress = PartitionProgress(idle_after_s=3.0)
    progress.started([0], at=0.0)
    progress.handled({0: 9}, at=1.0)
    progress.handled({0: 4}, at=1.5)
    assert progress.caught_up(0, end_offset=10, at=2.0)
    progress.forget()
    assert not progress.caught_up(0, end_offset=10, at=2.0)
