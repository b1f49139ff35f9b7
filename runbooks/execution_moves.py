"""I/O: the moves people make on a runbook execution — step sign-off, accept, decline, abort, roll back.

Each move is one transaction (`runbooks/transactions.py`) applying the pure state machine
(`runbooks/execution.py`) to the row, then its timeline events on `incidents.events`. An approved
automated action runs between two transactions — the first marks it running so nobody approves
it twice, the second records its result — and never inside one, so a 30-second command holds no
lock. `RunbookService` (runbooks/service.py) adds starting, drills, reports and the overdue tick.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session, sessionmaker

from incidents.action_service import ACTION_RETRY, PUBLISH_TIMEOUT_S, Publish
from incidents.events import IncidentEvent
from runbooks import execution as machine
from runbooks import queries, store
from runbooks.action_runner import ActionRunner
from runbooks.automation import PlannedAction, plan_action
from runbooks.catalogue import Catalogue
from runbooks.execution import Outcome, Verb
from runbooks.model import Runbook
from runbooks.models import RunbookExecution
from runbooks.transactions import Transactions
from streams.clock import Clock
from streams.retry import RetryPolicy

#: A move of the state machine, given the execution's state, its runbook and `now`.
Move = Callable[[machine.ExecutionState, Runbook, datetime], Outcome]


class RunbookNotFound(LookupError):
    """No runbook in the catalogue has this id."""


@dataclass(frozen=True)
class StepRequest:
    """An operator's move on a step."""

    verb: Verb
    note: str = ""
    reason: str = ""
    choice: str | None = None


class ExecutionMoves:
    """Drives runbook executions through their state machine and announces every change."""

    def __init__(
        self,
        sessions: sessionmaker,
        catalogue: Catalogue,
        publish: Publish,
        runner: ActionRunner,
        allowed_commands: frozenset[str],
        clock: Clock,
        *,
        retry: RetryPolicy = ACTION_RETRY,
        publish_timeout_s: float = PUBLISH_TIMEOUT_S,
    ) -> None:
        self.sessions = sessions
        self.catalogue = catalogue
        self._runner = runner
        self._allowed = allowed_commands
        self._clock = clock
        self._transactions = Transactions(sessions, publish, retry=retry, publish_timeout_s=publish_timeout_s)

    @property
    def allowed_commands(self) -> frozenset[str]:
        """The programs automated steps may run (`runbook_allowed_commands`)."""
        return self._allowed

    def runbook(self, runbook_id: str) -> Runbook:
        """The runbook with this id.

        Raises:
            RunbookNotFound: the catalogue has none.
        """
        found = self.catalogue.get(runbook_id)
        if found is None:
            raise RunbookNotFound(f"no runbook {runbook_id!r}; `alertdesk runbook list` shows them")
        return found

    async def step(
        self, execution_id: int, step_id: str, request: StepRequest, *, actor: str, via: str, request_id: str | None = None
    ) -> list[IncidentEvent]:
        """Apply an operator's move to the current step; an approved action runs before this returns."""
        request_id = request_id or uuid.uuid4().hex

        def move(state: machine.ExecutionState, runbook: Runbook, now: datetime) -> Outcome:
            return machine.act(
                state, runbook, step_id, request.verb, actor=actor, now=now, note=request.note, reason=request.reason,
                choice=request.choice,
            )

        outcome, events = await self._move(execution_id, move, actor, via, request_id)
        if outcome is not None and outcome.run_action:
            events += await self._run_action(execution_id, step_id, actor, via, request_id)
        return await self._transactions.announce(events)

    async def accept(self, execution_id: int, *, actor: str, via: str, request_id: str | None = None) -> list[IncidentEvent]:
        """Accept an offered runbook."""
        return await self._announced(execution_id, lambda s, r, now: machine.accept(s, r, actor, now), actor, via, request_id)

    async def decline(
        self, execution_id: int, *, actor: str, via: str, reason: str, request_id: str | None = None
    ) -> list[IncidentEvent]:
        """Decline an offered runbook (reason required)."""
        return await self._announced(execution_id, lambda s, r, _now: machine.decline(s, r, actor, reason), actor, via, request_id)

    async def abort(
        self, execution_id: int, *, actor: str, via: str, reason: str, request_id: str | None = None
    ) -> list[IncidentEvent]:
        """Abort an offered or running execution (reason required)."""
        return await self._announced(execution_id, lambda s, r, _now: machine.abort(s, r, actor, reason), actor, via, request_id)

    async def rollback(
        self, execution_id: int, *, actor: str, via: str, reason: str, request_id: str | None = None
    ) -> list[IncidentEvent]:
        """Start the rollback steps (reason required)."""
        return await self._announced(
            execution_id, lambda s, r, now: machine.rollback(s, r, actor, reason, now), actor, via, request_id
        )

    async def plan(self, execution_id: int, step_id: str) -> PlannedAction | None:
        """What the step's automated action would run for this incident (the dry run shown before approval)."""

        def read(session: Session) -> PlannedAction | None:
            row = self._execution(session, execution_id)
            step = self.runbook(row.runbook_id).step(step_id)
            if step.action is None:
                return None
            incident = queries.incident_row(session=session, incident_id=row.incident_id)
            return plan_action(step.action, queries.context_of(incident), self._allowed)

        return await self._transactions.run(read, f"plan the action of step {step_id}")

    async def _run_action(self, execution_id: int, step_id: str, actor: str, via: str, request_id: str) -> list[IncidentEvent]:
        """Run the approved action of the step (a dry run in a drill), then record its result."""
        plan_ = await self.plan(execution_id, step_id)
        drill = await self._transactions.run(lambda session: self._execution(session, execution_id).drill, "read the execution")
        try:
            result = await self._runner.run(plan_, dry_run=drill)
            ok, output = result.ok, result.output
        except ValueError as exc:  # ActionRefused: recorded as a failed action, never run
            ok, output = False, f"refused: {exc}"
        _, events = await self._move(
            execution_id,
            lambda s, r, now: machine.action_finished(s, r, step_id, ok=ok, output=output, now=now),
            actor, via, f"{request_id}/result",
        )
        return events

    async def _announced(
        self, execution_id: int, move: Move, actor: str, via: str, request_id: str | None
    ) -> list[IncidentEvent]:
        """Apply `move` in one transaction, then announce its events."""
        _, events = await self._move(execution_id, move, actor, via, request_id)
        return await self._transactions.announce(events)

    async def _move(
        self, execution_id: int, move: Move, actor: str, via: str, request_id: str | None
    ) -> tuple[Outcome | None, list[IncidentEvent]]:
        """Apply `move` to the execution in one transaction; the events are the caller's to announce."""
        request_id = request_id or uuid.uuid4().hex
        now = self._clock.now()

        def transaction(session: Session) -> tuple[Outcome | None, list[IncidentEvent]]:
            runbook_id = self._execution(session, execution_id).runbook_id
            runbook = self.runbook(runbook_id)
            return store.apply_move(
                session=session, execution_id=execution_id, move=lambda state: move(state, runbook, now), actor=actor,
                via=via, now=now, request_id=request_id,
            )

        return await self._transactions.run(transaction, f"change runbook execution {execution_id}")

    @staticmethod
    def _execution(session: Session, execution_id: int) -> RunbookExecution:
        """The execution's row.

        Raises:
            ExecutionNotFound: there is none with this id.
        """
        row = queries.get_execution(session=session, execution_id=execution_id)
        if row is None:
            raise store.ExecutionNotFound(f"runbook execution {execution_id} not found")
        return row
