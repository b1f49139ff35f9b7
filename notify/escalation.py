"""Pure: walk an escalation policy — which level is paged when, and when the next step is due.

State in (`EscalationState`, a snapshot of the incident's escalation row), time in, decisions
out. The shell (`notify/timers.py`) stores the state with its `next_due_at`, so a worker that
dies mid-escalation loses nothing: whichever worker claims the row next continues from it.

A step is one level paged once; a policy with `repeat` r has `len(levels) * (r + 1)` steps. A
level whose targets resolve to nobody at that moment (an empty schedule slot) is skipped at
once, not waited out. Acknowledgement stops the walk; if the policy has `no_progress_after`,
an acknowledged incident with no progress (note, runbook step) for that long pages the next
level as well.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Callable, Sequence

from notify.directory import EscalationPolicy, Target


class EscalationStatus(StrEnum):
    """Where an incident's escalation stands."""

    ACTIVE = "active"  # paging level after level until someone acknowledges
    ACKNOWLEDGED = "acknowledged"  # stopped; may still fire for "no progress"
    RESOLVED = "resolved"
    EXHAUSTED = "exhausted"  # every step paged, nobody acknowledged


class StepReason(StrEnum):
    """Why a level was paged (lands on the outbox row and the timeline)."""

    FIRST = "first"  # the incident opened
    NO_ACK = "no_ack"  # the previous level did not acknowledge in time
    ESCALATED_BY_HAND = "escalated_by_hand"  # someone pressed 2 or asked for it (phone, SMS, the desk)
    NO_PROGRESS = "no_progress"  # acknowledged but nothing done for too long
    SLA_BREACHED = "sla_breached"  # the resolution target passed
    STEP_OVERDUE = "runbook_step_overdue"  # a runbook step was not done in its time


@dataclass(frozen=True)
class EscalationState:
    """An incident's escalation: its policy snapshot, how many steps were paged, and when the next is due."""

    policy: EscalationPolicy
    status: EscalationStatus = EscalationStatus.ACTIVE
    step: int = 0
    next_due_at: datetime | None = None
    reason: StepReason = StepReason.FIRST

    @property
    def total_steps(self) -> int:
        """Every level, once per round."""
        return len(self.policy.levels) * (self.policy.repeat + 1)


@dataclass(frozen=True)
class LevelPage:
    """Page `people` (person ids) for step `step` (level `level`, round `round`), because of `reason`."""

    step: int
    level: int
    round: int
    people: tuple[str, ...]
    reason: StepReason


@dataclass(frozen=True)
class Advance:
    """What one evaluation decided: the new state, the level paged (if any) and the steps skipped as empty."""

    state: EscalationState
    page: LevelPage | None
    skipped: tuple[int, ...] = ()


PeopleFor = Callable[[Sequence[Target], datetime], tuple[str, ...]]


def start(policy: EscalationPolicy, now: datetime) -> EscalationState:
    """A new escalation whose first level is due at once."""
    return EscalationState(policy=policy, next_due_at=now, reason=StepReason.FIRST)


def advance(state: EscalationState, *, now: datetime, people_for: PeopleFor) -> Advance:
    """Page the next level if it is due; skip levels that have nobody; stop after the last step.

    Args:
        state: the stored escalation.
        now: the evaluation time.
        people_for: resolves a level's targets to person ids at an instant (schedules, groups).

    Returns:
        The new state and at most one level to page. Not due (or stopped): the same state, no page.
    """
    if state.next_due_at is None or now < state.next_due_at:
        return Advance(state, None)
    if state.status is EscalationStatus.ACKNOWLEDGED:
        return _page_after_ack(state, now, people_for)
    if state.status is not EscalationStatus.ACTIVE:
        return Advance(replace(state, next_due_at=None), None)
    skipped: list[int] = []
    step, reason = state.step, state.reason
    while step < state.total_steps:
        step += 1
        level_index, round_index = (step - 1) % len(state.policy.levels), (step - 1) // len(state.policy.levels)
        level = state.policy.levels[level_index]
        people = people_for(level.targets, now)
        if not people:
            skipped.append(step)
            continue
        page = LevelPage(step=step, level=level_index + 1, round=round_index + 1, people=people, reason=reason)
        return Advance(replace(state, step=step, next_due_at=now + level.after, reason=StepReason.NO_ACK), page, tuple(skipped))
    exhausted = replace(state, step=step, status=EscalationStatus.EXHAUSTED, next_due_at=None)
    return Advance(exhausted, None, tuple(skipped))


def _page_after_ack(state: EscalationState, now: datetime, people_for: PeopleFor) -> Advance:
    """No progress since the acknowledgement: page the next level (the last one again at the end), stay acknowledged."""
    policy = state.policy
    active = replace(state, status=EscalationStatus.ACTIVE, step=min(state.step, state.total_steps - 1))
    moved = advance(replace(active, reason=StepReason.NO_PROGRESS), now=now, people_for=people_for)
    wait = policy.no_progress_after
    again = None if wait is None else now + wait
    return Advance(
        replace(moved.state, status=EscalationStatus.ACKNOWLEDGED, next_due_at=again, reason=StepReason.NO_PROGRESS),
        moved.page,
        moved.skipped,
    )


def acknowledge(state: EscalationState, now: datetime) -> EscalationState:
    """Stop paging; with `no_progress_after`, the no-progress check is due that long from now."""
    if state.status is EscalationStatus.RESOLVED:
        return state
    wait = state.policy.no_progress_after
    return replace(
        state,
        status=EscalationStatus.ACKNOWLEDGED,
        next_due_at=None if wait is None else now + wait,
        reason=StepReason.NO_PROGRESS,
    )


def record_progress(state: EscalationState, now: datetime) -> EscalationState:
    """A note or runbook step on an acknowledged incident restarts its no-progress wait."""
    if state.status is not EscalationStatus.ACKNOWLEDGED or state.policy.no_progress_after is None:
        return state
    return replace(state, next_due_at=now + state.policy.no_progress_after)


def escalate_now(
    state: EscalationState, now: datetime, reason: StepReason = StepReason.ESCALATED_BY_HAND
) -> EscalationState:
    """Someone (or a breach) asked to escalate: the next level is due at once (an exhausted walk pages its last level again)."""
    if state.status is EscalationStatus.RESOLVED:
        return state
    step = min(state.step, state.total_steps - 1)
    return replace(state, status=EscalationStatus.ACTIVE, step=step, next_due_at=now, reason=reason)


def resolve(state: EscalationState) -> EscalationState:
    """The incident resolved: nothing more is due."""
    return replace(state, status=EscalationStatus.RESOLVED, next_due_at=None)
