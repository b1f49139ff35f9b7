"""I/O: the runbook HTTP API — the catalogue, an incident's executions, step sign-off, drills and their reports.

    GET  /api/runbooks                               the catalogue
    GET  /api/runbooks/{id}                          one runbook, every text in both languages
    POST /api/runbooks/{id}/drills                   {"participants": [...]} → a drill incident and execution
    GET  /api/incidents/{id}/runbooks                the incident's executions, and the runbooks matching it
    POST /api/incidents/{id}/runbooks                {"runbook_id": ...} → start one by hand
    GET  /api/runbook-executions/{id}                one execution with its steps
    POST /api/runbook-executions/{id}/steps/{step}   {"verb": begin|complete|skip|fail|confirm|approve, "note", "reason", "choice"}
    GET  /api/runbook-executions/{id}/steps/{step}/plan   what an automated action would run (the dry run)
    POST /api/runbook-executions/{id}/accept|decline|abort|rollback   {"reason": ...}
    GET  /api/runbook-executions/{id}/report         time per step against expectation, time to acknowledge

Reads need a viewer, every POST an operator (`access.web.require`). Whoever signs a step off is
the signed-in person; a request with an API token (the CLI) may name the operator in `by`, as the
incident API does, because the CLI acts for the person at the keyboard. Answers: 404 unknown, 409
not allowed now (with the reason), 422 bad input, 503 database away or change not announced.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any, Awaitable, Callable, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from access.web import Principal, Role, require
from incidents.action_service import ActionsUnavailable, EventsNotPublished
from incidents.events import IncidentEvent
from runbooks import queries
from runbooks.drill_store import DrillError
from runbooks.execution import IllegalTransition, Verb
from runbooks.execution_moves import RunbookNotFound, StepRequest
from runbooks.model import Runbook, Text
from runbooks.render import RenderError
from runbooks.service import RunbookService
from runbooks.store import ExecutionNotFound, RequestReused
from runbooks.triggers import matches
from streams.alerts.receivers.http import RETRY_AFTER_S

T = TypeVar("T")
MAX_TEXT = 10_000


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: str | None = Field(None, min_length=1, max_length=128, description="The operator, for API-token callers only.")


class StepBody(_Body):
    """An operator's move on a step."""

    verb: Literal["begin", "complete", "skip", "fail", "confirm", "approve"]
    note: str = Field("", max_length=MAX_TEXT)
    reason: str = Field("", max_length=MAX_TEXT)
    choice: str | None = Field(None, max_length=64)


class ReasonBody(_Body):
    """Accept (no reason needed), decline, abort or roll back."""

    reason: str = Field("", max_length=MAX_TEXT)


class StartBody(_Body):
    """Start a runbook on an incident."""

    runbook_id: str = Field(min_length=1, max_length=64)


class DrillBody(_Body):
    """Start a drill."""

    participants: list[str] = Field(min_length=1, max_length=50)


def actor_of(principal: Principal, by: str | None) -> str:
    """The operator signing: the signed-in person, or `by` when an API token (the CLI) names one."""
    return by if by and principal.via == "token" else principal.username


def runbook_dict(runbook: Runbook) -> dict[str, Any]:
    """A runbook as JSON, texts as {"zh-CN": …, "en": …}."""

    def convert(value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"zh", "en"}:
            return {"zh-CN": value["zh"], "en": value["en"]}
        if isinstance(value, dict):
            return {key: convert(item) for key, item in value.items()}
        if isinstance(value, (list, tuple, frozenset, set)):
            items = [convert(item) for item in value]
            return sorted(items) if isinstance(value, (frozenset, set)) else items
        return value

    return convert(asdict(runbook))


def summary_dict(runbook: Runbook) -> dict[str, Any]:
    """One line of the catalogue."""
    return {
        "id": runbook.id, "version": runbook.version, "title": _text(runbook.title), "summary": _text(runbook.summary),
        "start": str(runbook.trigger.start), "steps": len(runbook.steps), "rollback_steps": len(runbook.rollback),
    }


def _text(text: Text) -> dict[str, str]:
    return {"zh-CN": text.zh, "en": text.en}


def runbook_router(service: RunbookService) -> APIRouter:
    """The runbook API over `service`."""
    router = APIRouter(tags=["runbooks"])
    viewer, operator = Depends(require(Role.VIEWER)), Depends(require(Role.OPERATOR))

    @router.get("/api/runbooks")
    def list_runbooks(_: Principal = viewer) -> dict[str, Any]:
        """Every runbook of the catalogue."""
        return {"items": [summary_dict(runbook) for runbook in service.catalogue.all()]}

    @router.get("/api/runbooks/{runbook_id}")
    def show_runbook(runbook_id: str, _: Principal = viewer) -> dict[str, Any]:
        """One runbook in full."""
        return runbook_dict(_call_sync(lambda: service.runbook(runbook_id)))

    @router.get("/api/incidents/{incident_id}/runbooks")
    def incident_runbooks(incident_id: int, _: Principal = viewer) -> dict[str, Any]:
        """The incident's executions and the runbooks whose trigger matches it."""
        with service.sessions() as session:
            incident = queries.incident_row(session=session, incident_id=incident_id)
            if incident is None:
                raise HTTPException(404, f"incident {incident_id} not found")
            view = queries.view_of(incident)
            executions = queries.list_executions(session=session, incident_id=incident_id)
            return {
                "executions": [queries.execution_dict(row) for row in executions],
                "matching": [summary_dict(r) for r in service.catalogue.all() if matches(r, view)],
            }

    @router.post("/api/incidents/{incident_id}/runbooks", status_code=201)
    async def start_runbook(incident_id: int, body: StartBody, principal: Principal = operator) -> dict[str, Any]:
        """Start a runbook on the incident by hand."""
        execution_id, events = await _call(lambda: service.start(
            incident_id, body.runbook_id, actor=actor_of(principal, body.by), via=_via(principal)
        ))
        return {"execution_id": execution_id, "events": _events(events)}

    @router.post("/api/runbooks/{runbook_id}/drills", status_code=201)
    async def start_drill(runbook_id: str, body: DrillBody, principal: Principal = operator) -> dict[str, Any]:
        """Run the runbook as a drill against a synthetic incident paging only the participants."""
        incident_id, execution_id, events = await _call(lambda: service.start_drill(
            runbook_id, body.participants, actor=actor_of(principal, body.by), via=_via(principal)
        ))
        return {"incident_id": incident_id, "execution_id": execution_id, "events": _events(events)}

    @router.get("/api/runbook-executions/{execution_id}")
    def show_execution(execution_id: int, _: Principal = viewer) -> dict[str, Any]:
        """One execution with its steps."""
        with service.sessions() as session:
            row = queries.get_execution(session=session, execution_id=execution_id)
            if row is None:
                raise HTTPException(404, f"runbook execution {execution_id} not found")
            return queries.execution_dict(row)

    @router.post("/api/runbook-executions/{execution_id}/steps/{step_id}")
    async def step(execution_id: int, step_id: str, body: StepBody, principal: Principal = operator) -> dict[str, Any]:
        """Begin, complete, skip, fail, confirm or approve the current step."""
        request = StepRequest(verb=Verb(body.verb), note=body.note, reason=body.reason, choice=body.choice)
        events = await _call(lambda: service.step(
            execution_id, step_id, request, actor=actor_of(principal, body.by), via=_via(principal)
        ))
        return {"events": _events(events)}

    @router.get("/api/runbook-executions/{execution_id}/steps/{step_id}/plan")
    async def plan(execution_id: int, step_id: str, _: Principal = viewer) -> dict[str, Any]:
        """What the step's automated action would run for this incident, and whether it may."""
        planned = await _call(lambda: service.plan(execution_id, step_id))
        if planned is None:
            raise HTTPException(404, f"step {step_id!r} has no automated action")
        return {**asdict(planned), "allowed": planned.allowed}

    @router.post("/api/runbook-executions/{execution_id}/{verb}")
    async def execution_verb(
        execution_id: int, verb: Literal["accept", "decline", "abort", "rollback"], body: ReasonBody,
        principal: Principal = operator,
    ) -> dict[str, Any]:
        """Accept or decline an offered runbook, abort an execution, or start its rollback."""
        actor, via = actor_of(principal, body.by), _via(principal)
        calls: dict[str, Callable[[], Awaitable[list[IncidentEvent]]]] = {
            "accept": lambda: service.accept(execution_id, actor=actor, via=via),
            "decline": lambda: service.decline(execution_id, actor=actor, via=via, reason=body.reason),
            "abort": lambda: service.abort(execution_id, actor=actor, via=via, reason=body.reason),
            "rollback": lambda: service.rollback(execution_id, actor=actor, via=via, reason=body.reason),
        }
        return {"events": _events(await _call(calls[verb]))}

    @router.get("/api/runbook-executions/{execution_id}/report")
    async def report(execution_id: int, _: Principal = viewer) -> dict[str, Any]:
        """The drill report of an execution (any execution: a real night can be reviewed the same way)."""
        return (await _call(lambda: service.report(execution_id))).to_dict()

    return router


def _via(principal: Principal) -> str:
    """The timeline's channel: a browser session is the UI, a token the API (or the CLI through it)."""
    return "ui" if principal.via == "session" else "api"


def _events(events: list[IncidentEvent]) -> list[dict[str, Any]]:
    return [event.to_dict() for event in events]


def _error(exc: Exception) -> HTTPException:
    """The HTTP answer of a refusal."""
    if isinstance(exc, (ExecutionNotFound, RunbookNotFound, KeyError)):
        return HTTPException(404, str(exc).strip("'\""))
    if isinstance(exc, IllegalTransition):
        return HTTPException(409, str(exc))
    if isinstance(exc, (DrillError, RequestReused, RenderError)):
        return HTTPException(422, str(exc))
    return HTTPException(503, str(exc), headers={"Retry-After": RETRY_AFTER_S})


REFUSALS = (
    ExecutionNotFound, RunbookNotFound, KeyError, IllegalTransition, DrillError, RequestReused, RenderError,
    ActionsUnavailable, EventsNotPublished,
)


def _call_sync(call: Callable[[], T]) -> T:
    try:
        return call()
    except REFUSALS as exc:
        raise _error(exc) from None


async def _call(call: Callable[[], Awaitable[T]]) -> T:
    try:
        return await call()
    except REFUSALS as exc:
        raise _error(exc) from None
