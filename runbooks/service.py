"""I/O: `RunbookService`, the shell every runbook change goes through: one transaction, then the events on the bus.

The API, the panel, the CLI (through the API), the trigger agent and the overdue timer call it.
Like `incidents.action_service`, each change runs in one transaction in a thread, retried while
the database is busy, then its timeline events are published to `incidents.events` within a
timeout (`EventsNotPublished` names the request id to repeat it with). An approved automated
action runs between two transactions — the first marks it running so nobody approves it twice,
the second records its result — and never inside one, so a 30-second command holds no lock.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Sequence, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from incidents.action_service import ACTION_RETRY, PUBLISH_TIMEOUT_S, ActionsUnavailable, EventsNotPublished, Publish
from incidents.events import IncidentEvent
from runbooks import execution as machine
from runbooks import queries, store
from runbooks.action_runner import ActionRunner
from runbooks.automation import PlannedAction, plan_action
from runbooks.catalogue import Catalogue
from runbooks.drill_store import open_drill_incident
from runbooks.drills import DrillReport, drill_report
from runbooks.execution import Outcome, Verb
from runbooks.model import Runbook, Start
from runbooks.triggers import EVENT_WHEN, decide_starts
from streams.agents.safety import call_with_retries
from streams.clock import Clock
from streams.retry import RetryPolicy

log = logging.getLogger(__name__)
STAGE = "runbooks"
T = TypeVar("T")


class RunbookNotFound(LookupError):
    """No runbook in the catalogue has this id."""


@dataclass(frozen=True)
class StepRequest:
    """An operator's move on a step."""

    verb: Verb
    note: str = ""
    reason: str = ""
    choice: str | None = None


class RunbookService:
    """Start, offer, drill and drive runbook executions, and announce every change."""

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
        self._publish = publish
        self._runner = runner
        self._allowed = allowed_commands
        self._clock = clock
        self._retry = retry
        self._publish_timeout_s = publish_timeout_s

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

    async def on_event(self, event: IncidentEvent) -> list[IncidentEvent]:
        """Start or offer the runbooks an incident event calls for (idempotent: a replay starts nothing new)."""

        def transaction(session: Session) -> list[IncidentEvent]:
            incident = queries.incident_row(session=session, incident_id=event.incident_id)
            if incident is None:
                return []
            events = []
            for decision in decide_starts(str(event.kind), queries.view_of(incident), self.catalogue.all()):
                _, started = store.start_execution(
                    session=session, runbook=self.runbook(decision.runbook_id), incident_id=incident.id,
                    start=decision.start, start_key=f"auto/{incident.id}/{decision.runbook_id}", actor="system",
                    via="system", now=now,
                )
                events.extend(started)
            return events

        if str(event.kind) not in EVENT_WHEN:
            return []
        now = self._clock.now()
        return await self._announce(await self._transact(transaction, f"start runbooks for incident {event.incident_id}"))

    async def start(
        self, incident_id: int, runbook_id: str, *, actor: str, via: str, request_id: str | None = None
    ) -> tuple[int, list[IncidentEvent]]:
        """Start a runbook on an incident by hand; returns the execution id and the events."""
        runbook = self.runbook(runbook_id)
        key = f"manual/{request_id or uuid.uuid4().hex}"
        now = self._clock.now()

        def transaction(session: Session) -> tuple[int, list[IncidentEvent]]:
            row, events = store.start_execution(
                session=session, runbook=runbook, incident_id=incident_id, start=Start.AUTO, start_key=key, actor=actor,
                via=via, now=now,
            )
            return row.id, events

        execution_id, events = await self._transact(transaction, f"start runbook {runbook_id}")
        return execution_id, await self._announce(events)

    async def start_drill(
        self, runbook_id: str, participants: Sequence[str], *, actor: str, via: str, request_id: str | None = None
    ) -> tuple[int, int, list[IncidentEvent]]:
        """Open a drill incident and start the runbook on it; returns (incident id, execution id, events)."""
        runbook = self.runbook(runbook_id)
        request_id = request_id or uuid.uuid4().hex
        now = self._clock.now()

        def transaction(session: Session) -> tuple[int, int, list[IncidentEvent]]:
            incident, opened = open_drill_incident(
                session=session, runbook=runbook, participants=participants, actor=actor, via=via, now=now,
                request_id=request_id,
            )
            row, started = store.start_execution(
                session=session, runbook=runbook, incident_id=incident.id, start=Start.AUTO,
                start_key=f"drill/{request_id}", actor=actor, via=via, now=now, drill=True,
            )
            return incident.id, row.id, [opened, *started]

        incident_id, execution_id, events = await self._transact(transaction, f"start a drill of {runbook_id}")
        return incident_id, execution_id, await self._announce(events)

    async def step(
        self, execution_id: int, step_id: str, request: StepRequest, *, actor: str, via: str, request_id: str | None = None
    ) -> list[IncidentEvent]:
        """Apply an operator's move to the current step; an approved action runs before this returns."""
        request_id = request_id or uuid.uuid4().hex

        def move(state: machine.ExecutionState, runbook: Runbook, now) -> Outcome:
            return machine.act(
                state, runbook, step_id, request.verb, actor=actor, now=now, note=request.note, reason=request.reason,
                choice=request.choice,
            )

        outcome, events = await self._move(execution_id, move, actor, via, request_id)
        if outcome is not None and outcome.run_action:
            events += await self._run_action(execution_id, step_id, actor, via, request_id)
        return await self._announce(events)

    async def accept(self, execution_id: int, *, actor: str, via: str, request_id: str | None = None) -> list[IncidentEvent]:
        """Accept an offered runbook."""
        _, events = await self._move(execution_id, lambda s, r, now: machine.accept(s, r, actor, now), actor, via, request_id)
        return await self._announce(events)

    async def decline(
        self, execution_id: int, *, actor: str, via: str, reason: str, request_id: str | None = None
    ) -> list[IncidentEvent]:
        """Decline an offered runbook (reason required)."""
        _, events = await self._move(execution_id, lambda s, r, _now: machine.decline(s, r, actor, reason), actor, via, request_id)
        return await self._announce(events)

    async def abort(
        self, execution_id: int, *, actor: str, via: str, reason: str, request_id: str | None = None
    ) -> list[IncidentEvent]:
        """Abort an offered or running execution (reason required)."""
        _, events = await self._move(execution_id, lambda s, r, _now: machine.abort(s, r, actor, reason), actor, via, request_id)
        return await self._announce(events)

    async def rollback(
        self, execution_id: int, *, actor: str, via: str, reason: str, request_id: str | None = None
    ) -> list[IncidentEvent]:
        """Start the rollback steps (reason required)."""
        _, events = await self._move(
            execution_id, lambda s, r, now: machine.rollback(s, r, actor, reason, now), actor, via, request_id
        )
        return await self._announce(events)

    async def plan(self, execution_id: int, step_id: str) -> PlannedAction | None:
        """What the step's automated action would run for this incident (the dry run shown before approval)."""

        def read(session: Session) -> PlannedAction | None:
            row = self._execution(session, execution_id)
            step = self.runbook(row.runbook_id).step(step_id)
            if step.action is None:
                return None
            incident = queries.incident_row(session=session, incident_id=row.incident_id)
            return plan_action(step.action, queries.context_of(incident), self._allowed)

        return await self._transact(read, f"plan the action of step {step_id}")

    async def report(self, execution_id: int) -> DrillReport:
        """The drill report (time per step against expectation, time to acknowledge) of an execution."""

        def read(session: Session) -> DrillReport:
            row = self._execution(session, execution_id)
            incident = queries.incident_row(session=session, incident_id=row.incident_id)
            return drill_report(
                execution_id=row.id, runbook=self.runbook(row.runbook_id), state=store.read_state(row),
                participants=list(incident.drill_participants or ()), opened_at=incident.opened_at,
                acknowledged_at=incident.acknowledged_at, acknowledged_by=incident.acknowledged_by,
            )

        return await self._transact(read, f"report on execution {execution_id}")

    async def run_overdue(self) -> int:
        """Announce every step that passed its expected time (once per step); return how many."""
        now = self._clock.now()
        events = await self._transact(lambda session: store.claim_overdue(session=session, now=now), "find overdue steps")
        await self._announce(events)
        return len(events)

    async def _run_action(self, execution_id: int, step_id: str, actor: str, via: str, request_id: str) -> list[IncidentEvent]:
        """Run the approved action of the step (a dry run in a drill), then record its result."""
        plan_ = await self.plan(execution_id, step_id)
        drill = await self._transact(lambda session: self._execution(session, execution_id).drill, "read the execution")
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

    async def _move(
        self, execution_id: int, move: Callable[..., Outcome], actor: str, via: str, request_id: str | None
    ) -> tuple[Outcome | None, list[IncidentEvent]]:
        request_id = request_id or uuid.uuid4().hex
        now = self._clock.now()

        def transaction(session: Session) -> tuple[Outcome | None, list[IncidentEvent]]:
            runbook_id = self._execution(session, execution_id).runbook_id
            runbook = self.runbook(runbook_id)
            return store.apply_move(
                session=session, execution_id=execution_id, move=lambda state: move(state, runbook, now), actor=actor,
                via=via, now=now, request_id=request_id,
            )

        return await self._transact(transaction, f"change runbook execution {execution_id}")

    @staticmethod
    def _execution(session: Session, execution_id: int):
        row = queries.get_execution(session=session, execution_id=execution_id)
        if row is None:
            raise store.ExecutionNotFound(f"runbook execution {execution_id} not found")
        return row

    async def _transact(self, work: Callable[[Session], T], what: str) -> T:
        """Run `work` in one committed transaction in a thread, retried while the database is busy."""

        def transaction() -> Any:
            with self.sessions() as session, session.begin():
                return work(session)

        try:
            return await call_with_retries(lambda: asyncio.to_thread(transaction), stage=STAGE, retry=self._retry)
        except OperationalError as exc:
            raise ActionsUnavailable(f"could not {what}: the database is unavailable; nothing was changed, retry shortly") from exc

    async def _announce(self, events: list[IncidentEvent]) -> list[IncidentEvent]:
        """Publish each event within the timeout; `EventsNotPublished` at the first that fails."""
        for event in events:
            try:
                await asyncio.wait_for(self._publish(event), self._publish_timeout_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the change is committed but unannounced: the caller repeats it
                log.error("%s: %s of incident %s not announced: %s", STAGE, event.kind, event.incident_id, exc)
                raise EventsNotPublished(
                    f"done, but its {event.kind} event was not announced ({type(exc).__name__}: {exc}); repeat the request",
                    request_id=event.event_id,
                    events=events,
                ) from exc
        return events
