"""Pure: the state machine of a runbook execution and its steps; illegal moves are `IllegalTransition`s.

    execution:  offered ──accept──► running ──(last step finished)──► completed
                   └──decline──► declined   │  ▲ abort ──► aborted
                                            └──┴──── rollback ──► rolling_back ──(last)──► rolled_back
    step:       pending ──begin──► in_progress ──complete──► done
                   │  (complete, approve and skip also work from pending; begin/skip/approve retry a failed step)
                   │                  ├──complete / approve (dangerous)──► awaiting_confirmation ──confirm──► done
                   │                  ├──fail (reason)──► failed
                   └──────────────────┴──skip (reason)──► skipped

Steps are done in order: only the current step (the first unfinished one of the running phase)
can be acted on. A dangerous step counts as done only when a second, different operator
confirms it; for a dangerous automated action that confirmation comes before the action runs.
An automated action never runs from here: `act` says `run_action` and the shell runs it, then
reports with `action_finished`. A decision's option may jump ahead: the steps in between are
skipped with the decision as the reason. Messages are for the operator who tried.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from runbooks.model import Runbook, Start, Step, StepKind


class ExecutionStatus(StrEnum):
    """Where an execution is."""

    OFFERED = "offered"
    RUNNING = "running"
    COMPLETED = "completed"
    ABORTED = "aborted"
    ROLLING_BACK = "rolling_back"
    ROLLED_BACK = "rolled_back"
    DECLINED = "declined"


class StepStatus(StrEnum):
    """Where a step is."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


class Verb(StrEnum):
    """What an operator does to a step."""

    BEGIN = "begin"
    COMPLETE = "complete"
    SKIP = "skip"
    FAIL = "fail"
    CONFIRM = "confirm"
    APPROVE = "approve"


class Phase(StrEnum):
    """Which list of steps a step belongs to."""

    MAIN = "main"
    ROLLBACK = "rollback"


FINISHED = frozenset({StepStatus.DONE, StepStatus.SKIPPED})
ACTIVE = frozenset({ExecutionStatus.RUNNING, ExecutionStatus.ROLLING_BACK})
ENDED = frozenset({ExecutionStatus.COMPLETED, ExecutionStatus.ROLLED_BACK, ExecutionStatus.DECLINED})


class IllegalTransition(ValueError):
    """The move is not allowed now; the message says why and what is allowed."""


@dataclass(frozen=True)
class StepState:
    """One step of one execution, as recorded."""

    step_id: str
    phase: Phase
    status: StepStatus = StepStatus.PENDING
    since: datetime | None = None  # when it became the current step
    due_at: datetime | None = None
    by: str | None = None  # who completed, skipped, failed or approved it
    at: datetime | None = None
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    note: str = ""
    reason: str = ""
    choice: str | None = None
    action_state: str | None = None  # None, "running", "ok", "failed"
    action_output: str = ""


@dataclass(frozen=True)
class ExecutionState:
    """An execution: its status and every step (main steps, then rollback steps)."""

    status: ExecutionStatus
    steps: tuple[StepState, ...]

    @property
    def phase(self) -> Phase:
        """The phase being worked through."""
        return Phase.ROLLBACK if self.status is ExecutionStatus.ROLLING_BACK else Phase.MAIN

    def current(self) -> StepState | None:
        """The first unfinished step of the running phase, or None when nothing is running."""
        if self.status not in ACTIVE:
            return None
        return next((s for s in self.steps if s.phase is self.phase and s.status not in FINISHED), None)


@dataclass(frozen=True)
class Outcome:
    """The new state, what to write on the timeline, and whether the shell must now run the step's action."""

    state: ExecutionState
    detail: str
    run_action: bool = False
    finished: bool = False  # the execution reached an end (completed, rolled back, aborted, declined)


def new_execution(runbook: Runbook, start: Start, now: datetime) -> ExecutionState:
    """A fresh execution: running with its first step current, or offered (`Start.OFFER`)."""
    steps = tuple(StepState(s.id, Phase.MAIN) for s in runbook.steps) + tuple(
        StepState(s.id, Phase.ROLLBACK) for s in runbook.rollback
    )
    state = ExecutionState(ExecutionStatus.OFFERED if start is Start.OFFER else ExecutionStatus.RUNNING, steps)
    return _advance(state, runbook, now)


def accept(state: ExecutionState, runbook: Runbook, actor: str, now: datetime) -> Outcome:
    """An operator takes up an offered runbook."""
    _expect(state, {ExecutionStatus.OFFERED}, "accept")
    running = _advance(replace(state, status=ExecutionStatus.RUNNING), runbook, now)
    return Outcome(running, f"runbook {runbook.id} accepted by {actor}", finished=running.status in ENDED)


def decline(state: ExecutionState, runbook: Runbook, actor: str, reason: str) -> Outcome:
    """An operator declines an offered runbook (a reason is required)."""
    _expect(state, {ExecutionStatus.OFFERED}, "decline")
    why = _required(reason, "a reason to decline")
    return Outcome(replace(state, status=ExecutionStatus.DECLINED), f"runbook {runbook.id} declined by {actor}: {why}", finished=True)


def abort(state: ExecutionState, runbook: Runbook, actor: str, reason: str) -> Outcome:
    """Stop an offered or running execution (a reason is required); rollback stays possible afterwards."""
    _expect(state, {ExecutionStatus.OFFERED, ExecutionStatus.RUNNING}, "abort")
    why = _required(reason, "a reason to abort")
    return Outcome(replace(state, status=ExecutionStatus.ABORTED), f"runbook {runbook.id} aborted by {actor}: {why}", finished=True)


def rollback(state: ExecutionState, runbook: Runbook, actor: str, reason: str, now: datetime) -> Outcome:
    """Start the rollback steps of a running, aborted or completed execution."""
    _expect(state, {ExecutionStatus.RUNNING, ExecutionStatus.ABORTED, ExecutionStatus.COMPLETED}, "roll back")
    if not runbook.rollback:
        raise IllegalTransition(f"runbook {runbook.id} has no rollback steps")
    why = _required(reason, "a reason to roll back")
    rolling = _advance(replace(state, status=ExecutionStatus.ROLLING_BACK), runbook, now)
    return Outcome(rolling, f"rollback of runbook {runbook.id} started by {actor}: {why}", finished=rolling.status in ENDED)


def act(
    state: ExecutionState,
    runbook: Runbook,
    step_id: str,
    verb: Verb,
    *,
    actor: str,
    now: datetime,
    note: str = "",
    reason: str = "",
    choice: str | None = None,
) -> Outcome:
    """Apply an operator's `verb` to the current step `step_id`."""
    current = state.current()
    if current is None:
        raise IllegalTransition(f"the execution is {state.status}: no step can be acted on")
    if current.step_id != step_id:
        raise IllegalTransition(f"step {step_id!r} is not the current step; the current step is {current.step_id!r}")
    step = runbook.step(step_id)
    if current.action_state == "running":
        raise IllegalTransition(f"the action of step {step_id!r} is running; wait for its result")
    status = current.status
    label = f"step {step_id!r} ({step.title.en})"
    if verb is Verb.BEGIN:
        _allowed(verb, status, {StepStatus.PENDING, StepStatus.FAILED}, step_id)
        changed = replace(current, status=StepStatus.IN_PROGRESS, by=actor, at=now)
        return _outcome(state, runbook, changed, now, f"{label} begun by {actor}")
    if verb is Verb.SKIP:
        _allowed(verb, status, {StepStatus.PENDING, StepStatus.IN_PROGRESS, StepStatus.FAILED}, step_id)
        why = _required(reason, "a reason to skip")
        changed = replace(current, status=StepStatus.SKIPPED, by=actor, at=now, reason=why, note=note.strip())
        return _outcome(state, runbook, changed, now, f"{label} skipped by {actor}: {why}")
    if verb is Verb.FAIL:
        _allowed(verb, status, {StepStatus.PENDING, StepStatus.IN_PROGRESS}, step_id)
        why = _required(reason, "what went wrong")
        changed = replace(current, status=StepStatus.FAILED, by=actor, at=now, reason=why, note=note.strip())
        return _outcome(state, runbook, changed, now, f"{label} failed ({actor}): {why}")
    if verb is Verb.COMPLETE:
        return _complete(state, runbook, step, current, actor, now, note, choice, label)
    if verb is Verb.APPROVE:
        return _approve(state, runbook, step, current, actor, now, note, label)
    return _confirm(state, runbook, step, current, actor, now, note, label)


def action_finished(
    state: ExecutionState, runbook: Runbook, step_id: str, *, ok: bool, output: str, now: datetime
) -> Outcome:
    """Record the result of a step's automated action: done when it succeeded, failed otherwise."""
    current = state.current()
    if current is None or current.step_id != step_id or current.action_state != "running":
        raise IllegalTransition(f"no action of step {step_id!r} is running")
    step = runbook.step(step_id)
    status, result = (StepStatus.DONE, "ok") if ok else (StepStatus.FAILED, "failed")
    changed = replace(current, status=status, action_state=result, action_output=output)
    if not ok:
        changed = replace(changed, reason="automated action failed")
    return _outcome(state, runbook, changed, now, f"step {step_id!r} ({step.title.en}): action {result}: {output[:200]}")


def _complete(
    state: ExecutionState, runbook: Runbook, step: Step, current: StepState, actor: str, now: datetime,
    note: str, choice: str | None, label: str,
) -> Outcome:
    _allowed(Verb.COMPLETE, current.status, {StepStatus.PENDING, StepStatus.IN_PROGRESS}, step.id)
    if step.kind is StepKind.ACTION:
        raise IllegalTransition(f"step {step.id!r} is an automated action: approve it (or skip it with a reason)")
    options = {option.id: option for option in step.options}
    if step.kind is StepKind.DECISION:
        if choice not in options:
            raise IllegalTransition(f"step {step.id!r} is a decision: choose one of {', '.join(options)}")
    elif choice is not None:
        raise IllegalTransition(f"step {step.id!r} is not a decision; there is nothing to choose")
    status = StepStatus.AWAITING_CONFIRMATION if step.dangerous else StepStatus.DONE
    changed = replace(current, status=status, by=actor, at=now, note=note.strip(), choice=choice)
    words = f"{label} {'done, awaiting a second operator' if step.dangerous else 'done'} by {actor}"
    if choice is not None:
        words += f", chose {choice}"
    state = _put(state, changed)
    goto = options[choice].goto if choice is not None else None
    if goto is not None:
        state = _jump(state, step.id, goto, actor, now, choice)
    new_state, finished = _settle(state, runbook, now)
    return Outcome(new_state, _with_note(words, note), finished=finished)


def _approve(
    state: ExecutionState, runbook: Runbook, step: Step, current: StepState, actor: str, now: datetime,
    note: str, label: str,
) -> Outcome:
    _allowed(Verb.APPROVE, current.status, {StepStatus.PENDING, StepStatus.IN_PROGRESS, StepStatus.FAILED}, step.id)
    if step.action is None:
        raise IllegalTransition(f"step {step.id!r} has no automated action to approve; complete it instead")
    if step.dangerous:
        changed = replace(current, status=StepStatus.AWAITING_CONFIRMATION, by=actor, at=now, note=note.strip())
        return Outcome(_put(state, changed), _with_note(f"{label}: action approved by {actor}, awaiting a second operator", note))
    changed = replace(current, status=StepStatus.IN_PROGRESS, by=actor, at=now, note=note.strip(), action_state="running")
    return Outcome(_put(state, changed), _with_note(f"{label}: action approved by {actor}, running", note), run_action=True)


def _confirm(
    state: ExecutionState, runbook: Runbook, step: Step, current: StepState, actor: str, now: datetime,
    note: str, label: str,
) -> Outcome:
    _allowed(Verb.CONFIRM, current.status, {StepStatus.AWAITING_CONFIRMATION}, step.id)
    if actor == current.by:
        raise IllegalTransition(
            f"step {step.id!r} is dangerous: it needs a second, different operator; {actor} signed it off already"
        )
    if step.action is not None:
        changed = replace(
            current, status=StepStatus.IN_PROGRESS, confirmed_by=actor, confirmed_at=now, action_state="running"
        )
        return Outcome(_put(state, changed), _with_note(f"{label}: action confirmed by {actor}, running", note), run_action=True)
    changed = replace(current, status=StepStatus.DONE, confirmed_by=actor, confirmed_at=now)
    return _outcome(state, runbook, changed, now, _with_note(f"{label} confirmed by {actor}", note))


def _jump(state: ExecutionState, from_id: str, goto: str, actor: str, now: datetime, choice: str | None) -> ExecutionState:
    """Skip the pending steps after `from_id` up to `goto` (or all of them for END)."""
    steps = list(state.steps)
    index = next(i for i, s in enumerate(steps) if s.step_id == from_id)
    for i in range(index + 1, len(steps)):
        if steps[i].phase is not steps[index].phase or steps[i].step_id == goto:
            break
        steps[i] = replace(steps[i], status=StepStatus.SKIPPED, by=actor, at=now, reason=f"decision {from_id}: {choice}")
    return replace(state, steps=tuple(steps))


def _outcome(state: ExecutionState, runbook: Runbook, changed: StepState, now: datetime, detail: str) -> Outcome:
    new_state, finished = _settle(_put(state, changed), runbook, now)
    return Outcome(new_state, detail, finished=finished)


def _settle(state: ExecutionState, runbook: Runbook, now: datetime) -> tuple[ExecutionState, bool]:
    """Make the next step current, or end the phase; say whether the execution ended."""
    settled = _advance(state, runbook, now)
    return settled, settled.status in ENDED and state.status not in ENDED


def _advance(state: ExecutionState, runbook: Runbook, now: datetime) -> ExecutionState:
    """Start the clock of the new current step, or finish the running phase when every step is done or skipped."""
    if state.status not in ACTIVE:
        return state
    current = state.current()
    if current is None:
        ended = ExecutionStatus.ROLLED_BACK if state.status is ExecutionStatus.ROLLING_BACK else ExecutionStatus.COMPLETED
        return replace(state, status=ended)
    if current.since is not None:
        return state
    minutes = runbook.step(current.step_id).expected_minutes
    return _put(state, replace(current, since=now, due_at=now + timedelta(minutes=minutes)))


def _put(state: ExecutionState, changed: StepState) -> ExecutionState:
    return replace(
        state,
        steps=tuple(changed if (s.step_id, s.phase) == (changed.step_id, changed.phase) else s for s in state.steps),
    )


def _expect(state: ExecutionState, allowed: set[ExecutionStatus], verb: str) -> None:
    if state.status not in allowed:
        shown = ", ".join(sorted(allowed))
        raise IllegalTransition(f"cannot {verb}: the execution is {state.status} (only when {shown})")


def _allowed(verb: Verb, status: StepStatus, allowed: set[StepStatus], step_id: str) -> None:
    if status not in allowed:
        shown = ", ".join(sorted(allowed))
        raise IllegalTransition(f"cannot {verb} step {step_id!r}: it is {status} (only when {shown})")


def _required(text: str, what: str) -> str:
    words = (text or "").strip()
    if not words:
        raise IllegalTransition(f"{what} is required")
    return words


def _with_note(words: str, note: str) -> str:
    return f"{words}: {note.strip()}" if note.strip() else words
