"""The pure escalation walk: levels in order, waits, empty levels skipped, repeat, ack, no-progress, escalate now."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from notify.escalation import (
    EscalationStatus,
    StepReason,
    acknowledge,
    advance,
    escalate_now,
    record_progress,
    resolve,
    start,
)
from notify.targets import people_for
from tests.notify.directories import directory

# 2026-01-02 03:00 Shanghai: still li.wei's first shift (09:00 to 09:00).
T0 = datetime(2026, 1, 1, 19, 0, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)


def walk(d, state, now):
    return advance(state, now=now, people_for=lambda targets, at: people_for(d, targets, at))


def test_first_level_pages_the_person_on_call_at_once_and_waits_its_delay():
    d = directory()
    result = walk(d, start(d.policies["machine-room"], T0), T0)
    assert result.page.people == ("li.wei",)
    assert (result.page.step, result.page.level, result.page.round, result.page.reason) == (1, 1, 1, StepReason.FIRST)
    assert result.state.next_due_at == T0 + 5 * MINUTE


def test_nothing_happens_before_the_wait_is_over():
    d = directory()
    first = walk(d, start(d.policies["machine-room"], T0), T0).state
    result = walk(d, first, T0 + 4 * MINUTE)
    assert result.page is None and result.state == first


def test_no_acknowledgement_walks_every_level_then_repeats_then_stops():
    d = directory()
    state, now, paged = start(d.policies["machine-room"], T0), T0, []
    while state.next_due_at is not None:
        now = state.next_due_at
        result = walk(d, state, now)
        state = result.state
        if result.page:
            paged.append((result.page.level, result.page.round, result.page.people, result.page.reason))
    assert paged == [
        (1, 1, ("li.wei",), StepReason.FIRST),
        (2, 1, ("zhang.min",), StepReason.NO_ACK),
        (3, 1, ("vendor",), StepReason.NO_ACK),
        (1, 2, ("li.wei",), StepReason.NO_ACK),
        (2, 2, ("zhang.min",), StepReason.NO_ACK),
        (3, 2, ("vendor",), StepReason.NO_ACK),
    ]
    assert state.status is EscalationStatus.EXHAUSTED
    assert now == T0 + 2 * (5 + 10 + 15) * MINUTE


def test_a_level_with_nobody_on_call_is_skipped_at_once_not_waited_out():
    d = directory(empty_first_line=True)
    result = walk(d, start(d.policies["machine-room"], T0), T0)
    assert result.skipped == (1,)
    assert result.page.level == 2 and result.page.people == ("zhang.min",)
    assert result.state.next_due_at == T0 + 10 * MINUTE


def test_acknowledgement_stops_the_walk():
    d = directory()
    first = walk(d, start(d.policies["machine-room"], T0), T0).state
    acked = acknowledge(first, T0 + MINUTE)
    assert acked.status is EscalationStatus.ACKNOWLEDGED and acked.next_due_at is None
    assert walk(d, acked, T0 + 60 * MINUTE).page is None


def test_acknowledged_without_progress_pages_the_next_level_and_progress_restarts_the_wait():
    d = directory(no_progress=timedelta(minutes=30))
    first = walk(d, start(d.policies["machine-room"], T0), T0).state
    acked = acknowledge(first, T0 + MINUTE)
    assert acked.next_due_at == T0 + 31 * MINUTE
    progressed = record_progress(acked, T0 + 20 * MINUTE)
    assert walk(d, progressed, T0 + 31 * MINUTE).page is None
    result = walk(d, progressed, T0 + 50 * MINUTE)
    assert result.page.level == 2 and result.page.reason is StepReason.NO_PROGRESS
    assert result.state.status is EscalationStatus.ACKNOWLEDGED
    assert result.state.next_due_at == T0 + 80 * MINUTE


def test_escalate_now_pages_the_next_level_immediately():
    d = directory()
    first = walk(d, start(d.policies["machine-room"], T0), T0).state
    result = walk(d, escalate_now(first, T0 + MINUTE), T0 + MINUTE)
    assert result.page.level == 2 and result.page.reason is StepReason.ESCALATED_BY_HAND


def test_escalate_now_after_exhaustion_pages_the_last_level_again():
    d = directory()
    state = start(d.policies["power"], T0)
    state = walk(d, state, T0).state
    state = walk(d, state, T0 + 5 * MINUTE).state
    assert state.status is EscalationStatus.EXHAUSTED
    result = walk(d, escalate_now(state, T0 + 9 * MINUTE), T0 + 9 * MINUTE)
    assert result.page.people == ("vendor",)


def test_resolved_is_final():
    d = directory()
    state = resolve(walk(d, start(d.policies["machine-room"], T0), T0).state)
    assert state.next_due_at is None
    assert escalate_now(state, T0) == state and acknowledge(state, T0) == state


def test_policy_snapshot_round_trips():
    policy = directory(no_progress=timedelta(minutes=30)).policies["machine-room"]
    from notify.directory import EscalationPolicy

    assert EscalationPolicy.from_dict(policy.to_dict()) == policy
