"""I/O: runbook executions in the caller's transaction — start, apply a move of the state machine, overdue steps.

Every change locks the execution row, asks `runbooks.execution` whether the move is allowed,
writes the new state back and one timeline entry on the incident (RUNBOOK_STARTED,
RUNBOOK_STEP, RUNBOOK_STEP_OVERDUE, RUNBOOK_FINISHED), and returns the events to announce.
Moves are idempotent on `request_id` like people's incident actions: the entries are recorded
under `command_id = deterministic_id("runbook", request_id)` and a repeat returns them.
Functions take the session keyword-only and never commit: the caller owns the transaction.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from incidents.events import EventKind, IncidentEvent
from incidents.models import Incident, TimelineEvent
from runbooks.execution import (
    ACTIVE,
    ExecutionState,
    ExecutionStatus,
    Outcome,
    Phase,
    StepState,
    StepStatus,
    new_execution,
)
from runbooks.model import Runbook, Start, Text
from runbooks.models import RunbookExecution, RunbookStepRun
from streams.ids import deterministic_id

UNFINISHED = (StepStatus.PENDING, StepStatus.IN_PROGRESS, StepStatus.AWAITING_CONFIRMATION, StepStatus.FAILED)


class ExecutionNotFound(LookupError):
    """No execution (or incident) has the given id."""


class RequestReused(ValueError):
    """The request id was already used for another change."""


def title_dict(text: Text) -> dict[str, str]:
    """A bilingual text as stored in JSON columns."""
    return {"zh-CN": text.zh, "en": text.en}


def start_execution(
    *, session: Session, runbook: Runbook, incident_id: int, start: Start, start_key: str, actor: str, via: str,
    now: datetime, drill: bool = False,
) -> tuple[RunbookExecution, list[IncidentEvent]]:
    """Start (or offer) `runbook` on the incident; with a `start_key` seen before, return that execution and no events.

    Raises:
        ExecutionNotFound: there is no such incident.
    """
    existing = session.scalars(select(RunbookExecution).where(RunbookExecution.start_key == start_key)).first()
    if existing is not None:
        return existing, []
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise ExecutionNotFound(f"incident {incident_id} not found")
    state = new_execution(runbook, start, now)
    row = RunbookExecution(
        incident_id=incident_id, runbook_id=runbook.id, runbook_version=runbook.version,
        runbook_title=title_dict(runbook.title), start_key=start_key, status=str(state.status), started_by=actor,
        drill=drill, reason="", created_at=now, updated_at=now,
        steps=[
            RunbookStepRun(
                position=position, phase=str(step.phase), step_id=step.step_id, title=title_dict(runbook.step(step.step_id).title),
                status=str(step.status), note="", reason="", action_output="",
            )
            for position, step in enumerate(state.steps)
        ],
    )
    session.add(row)
    session.flush()
    write_state(row, state, now)
    verb = "offered" if state.status is ExecutionStatus.OFFERED else "started"
    detail = f"{_tag(row)} {runbook.title.en} {verb} by {actor}"
    event = _entry(session, incident, row, EventKind.RUNBOOK_STARTED, detail, actor, via, now, ("start", start_key))
    return row, [event]


def apply_move(
    *, session: Session, execution_id: int, move: Callable[[ExecutionState], Outcome], actor: str, via: str,
    now: datetime, request_id: str,
) -> tuple[Outcome | None, list[IncidentEvent]]:
    """Lock the execution, apply `move` to its state, record it; for a request id seen before return (None, its events).

    Raises:
        ExecutionNotFound: no such execution.
        RequestReused: `request_id` was used for a change of another execution.
        runbooks.execution.IllegalTransition: the move is not allowed now (raised by `move`).
    """
    row = lock_execution(session=session, execution_id=execution_id)
    command_id = deterministic_id("runbook", request_id)
    recorded = session.scalars(
        select(TimelineEvent).where(TimelineEvent.command_id == command_id).order_by(TimelineEvent.id)
    ).all()
    if recorded:
        if any(entry.incident_id != row.incident_id for entry in recorded):
            raise RequestReused(f"request id {request_id!r} was already used for another change; send a new one")
        return None, [entry.as_event() for entry in recorded]
    outcome = move(read_state(row))
    write_state(row, outcome.state, now)
    incident = session.get(Incident, row.incident_id)
    events = [_entry(session, incident, row, EventKind.RUNBOOK_STEP, f"{_tag(row)} {outcome.detail}", actor, via, now, ("move", request_id))]
    if outcome.finished:
        detail = f"{_tag(row)} {row.runbook_title['en']} {row.status}"
        events.append(_entry(session, incident, row, EventKind.RUNBOOK_FINISHED, detail, actor, via, now, ("finished", request_id)))
    return outcome, events


def lock_execution(*, session: Session, execution_id: int) -> RunbookExecution:
    """The execution row, locked for update.

    Raises:
        ExecutionNotFound: no such execution.
    """
    row = session.scalars(
        select(RunbookExecution).where(RunbookExecution.id == execution_id).with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise ExecutionNotFound(f"runbook execution {execution_id} not found")
    return row


def claim_overdue(*, session: Session, now: datetime, limit: int = 100) -> list[IncidentEvent]:
    """Mark due, unfinished current steps of active executions overdue (once each) and return their events."""
    rows = session.scalars(
        select(RunbookStepRun)
        .join(RunbookExecution)
        .where(
            RunbookStepRun.due_at <= now,
            RunbookStepRun.overdue_at.is_(None),
            RunbookStepRun.status.in_([str(s) for s in UNFINISHED]),
            RunbookExecution.status.in_([str(s) for s in ACTIVE]),
        )
        .order_by(RunbookStepRun.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=RunbookStepRun)
    ).all()
    events = []
    for step in rows:
        step.overdue_at = now
        execution = step.execution
        late = int((now - step.due_at).total_seconds() // 60)
        detail = f"{_tag(execution)} step {step.step_id!r} ({step.title['en']}) overdue since {step.due_at:%H:%M} UTC (+{late} min)"
        incident = session.get(Incident, execution.incident_id)
        events.append(_entry(session, incident, execution, EventKind.RUNBOOK_STEP_OVERDUE, detail, "system", "system", now, ("overdue", f"overdue-{step.id}")))
    return events


def read_state(row: RunbookExecution) -> ExecutionState:
    """The pure state of a stored execution."""
    return ExecutionState(
        status=ExecutionStatus(row.status),
        steps=tuple(
            StepState(
                step_id=step.step_id, phase=Phase(step.phase), status=StepStatus(step.status), since=step.since,
                due_at=step.due_at, by=step.by, at=step.at, confirmed_by=step.confirmed_by, confirmed_at=step.confirmed_at,
                note=step.note, reason=step.reason, choice=step.choice, action_state=step.action_state,
                action_output=step.action_output,
            )
            for step in row.steps
        ),
    )


def write_state(row: RunbookExecution, state: ExecutionState, now: datetime) -> None:
    """Copy a state onto the stored execution (steps matched by phase and id)."""
    if row.status != state.status:
        row.status = str(state.status)
        if state.status not in ACTIVE and state.status is not ExecutionStatus.OFFERED:
            row.finished_at = now
    row.updated_at = now
    by_key = {(step.phase, step.step_id): step for step in row.steps}
    for step in state.steps:
        stored = by_key[(str(step.phase), step.step_id)]
        for field in (
            "since", "due_at", "by", "at", "confirmed_by", "confirmed_at", "note", "reason", "choice", "action_state",
            "action_output",
        ):
            setattr(stored, field, getattr(step, field))
        stored.status = str(step.status)


def _tag(row: RunbookExecution) -> str:
    """How timeline entries name the execution: "[runbook ups-on-battery #12]"."""
    return f"[{'drill ' if row.drill else ''}runbook {row.runbook_id} #{row.id}]"


def _entry(
    session: Session, incident: Incident, row: RunbookExecution, kind: EventKind, detail: str, actor: str, via: str,
    now: datetime, key: tuple[str, str],
) -> IncidentEvent:
    """Write one timeline entry on the incident and return its event."""
    entry = TimelineEvent(
        event_id=deterministic_id("runbook-event", str(row.id), *key, str(kind)),
        incident=incident,
        command_id=deterministic_id("runbook", key[1]),
        kind=str(kind),
        occurred_at=now,
        actor=actor,
        origin=via,
        detail=detail,
    )
    session.add(entry)
    session.flush()
    return entry.as_event()
