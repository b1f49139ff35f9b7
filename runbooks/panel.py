"""I/O: the runbook panel of the incident page (an htmx fragment), and the drill start and report pages.

    GET  /incidents/{id}/runbook-panel                          the fragment the desk's incident page loads
    POST /incidents/{id}/runbook-panel/start                    form: runbook_id
    POST /incidents/{id}/runbook-panel/{execution}/step/{step}  form: verb, note, reason, choice
    POST /incidents/{id}/runbook-panel/{execution}/{verb}       accept, decline, abort, rollback (form: reason)
    GET  /runbooks/{id}/drill        the drill page: who takes part, start button
    POST /runbooks/{id}/drill        form: participants → 303 to the report page
    GET  /runbooks/drills/{execution} the drill's report (time per step vs expected, time to acknowledge)

Every POST answers with the panel re-rendered (a refusal shown in it), so htmx swaps the
fragment and the operator sees the next step at once. Forms carry `csrf_token` (access.web).
Step text is rendered in the runbook sandbox and then escaped by this template: a hostile label
shows as text. The language follows the user, the `lang` cookie, then Accept-Language.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from access.policy import pick_language
from access.web import Principal, Role, csrf_token, require
from runbooks import queries
from runbooks.api import REFUSALS, actor_of
from runbooks.automation import plan_action
from runbooks.execution import ExecutionStatus, Verb
from runbooks.model import Runbook, StepKind
from runbooks.models import RunbookExecution
from runbooks.panel_text import choose_language, duration, translate, translator
from runbooks.render import IncidentContext, RenderError, render
from runbooks.service import RunbookService, StepRequest
from runbooks.triggers import matches

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, undefined=StrictUndefined
)
ROLLBACK_FROM = (ExecutionStatus.RUNNING, ExecutionStatus.ABORTED, ExecutionStatus.COMPLETED)


def language_of(request: Request, principal: Principal) -> str:
    """The page's language."""
    return choose_language(
        user=principal.language, cookie=request.cookies.get("lang"),
        accept_language=request.headers.get("accept-language", ""), pick=pick_language,
    )


def _rendered(template: str, context: IncidentContext, language: str) -> str:
    try:
        return render(template, context)
    except RenderError as exc:  # shown in place of the step: the operator still sees the title and can skip it
        return translate(language, "error", why=str(exc))


def execution_view(
    row: RunbookExecution, runbook: Runbook, context: IncidentContext, language: str, allowed_commands: frozenset[str]
) -> dict[str, Any]:
    """What the panel shows of one execution."""
    current = queries.current_step(row)
    view: dict[str, Any] = {
        "id": row.id, "title": runbook.title.get(language), "status": row.status, "drill": row.drill,
        "steps": [
            {"title": step.title["en" if language == "en" else "zh-CN"],
             "status": step.status, "by": step.by, "confirmed_by": step.confirmed_by, "phase": step.phase,
             "current": current is not None and step.id == current.id}
            for step in row.steps if step.phase == "main" or step.since is not None
        ],
        "can_rollback": bool(runbook.rollback) and ExecutionStatus(row.status) in ROLLBACK_FROM,
        "current": None,
    }
    if current is None:
        return view
    step = runbook.step(current.step_id)
    phase_steps = [s for s in row.steps if s.phase == current.phase]
    plan = None
    if step.action is not None:
        try:
            plan = plan_action(step.action, context, allowed_commands)
        except RenderError as exc:  # shown as a refusal: an action whose arguments do not render cannot run
            view["plan_error"] = str(exc)
    view["current"] = {
        "step_id": step.id, "n": phase_steps.index(current) + 1, "total": len(phase_steps),
        "title": step.title.get(language), "kind": str(step.kind), "text": _rendered(step.text.get(language), context, language),
        "expect": step.expect.get(language) if step.expect else None, "dangerous": step.dangerous,
        "status": current.status, "by": current.by, "minutes": f"{step.expected_minutes:g}",
        "due": f"{current.due_at:%H:%M} UTC" if current.due_at else "", "overdue": current.overdue_at is not None,
        "options": [(option.id, option.label.get(language)) for option in step.options],
        "plan": plan, "is_decision": step.kind is StepKind.DECISION, "is_action": step.kind is StepKind.ACTION,
    }
    return view


def panel_router(service: RunbookService) -> APIRouter:
    """The panel and drill pages over `service`."""
    router = APIRouter(include_in_schema=False)
    viewer, operator = Depends(require(Role.VIEWER)), Depends(require(Role.OPERATOR))

    def panel(request: Request, principal: Principal, incident_id: int, error: str = "") -> HTMLResponse:
        language = language_of(request, principal)
        with service.sessions() as session:
            incident = queries.incident_row(session=session, incident_id=incident_id)
            if incident is None:
                raise HTTPException(404, f"incident {incident_id} not found")
            context = queries.context_of(incident)
            rows = queries.list_executions(session=session, incident_id=incident_id)
            executions = [
                execution_view(row, service.catalogue.get(row.runbook_id), context, language, service.allowed_commands)
                for row in rows if service.catalogue.get(row.runbook_id) is not None
            ]
            started = {row.runbook_id for row in rows if row.status not in ("declined", "aborted")}
            view = queries.view_of(incident)
        offered = [
            {"id": r.id, "title": r.title.get(language)}
            for r in service.catalogue.all() if matches(r, view) and r.id not in started
        ]
        html = TEMPLATES.get_template("panel.html").render(
            t=translator(language), lang=language, incident_id=incident_id, executions=executions, offered=offered,
            error=error, csrf=csrf_token(request), can_act=principal.role.allows(Role.OPERATOR),
        )
        return HTMLResponse(html)

    async def acted(request: Request, principal: Principal, incident_id: int, act) -> HTMLResponse:
        try:
            await act()
        except REFUSALS as exc:
            return panel(request, principal, incident_id, error=translate(language_of(request, principal), "error", why=str(exc)))
        return panel(request, principal, incident_id)

    @router.get("/incidents/{incident_id}/runbook-panel", response_class=HTMLResponse)
    def show_panel(incident_id: int, request: Request, principal: Principal = viewer) -> HTMLResponse:
        """The incident's runbooks: the current step of each execution, and the runbooks that match."""
        return panel(request, principal, incident_id)

    @router.post("/incidents/{incident_id}/runbook-panel/start", response_class=HTMLResponse)
    async def panel_start(
        incident_id: int, request: Request, runbook_id: str = Form(...), principal: Principal = operator
    ) -> HTMLResponse:
        """Start a matching runbook from the panel."""
        return await acted(request, principal, incident_id, lambda: service.start(
            incident_id, runbook_id, actor=principal.username, via="ui"
        ))

    @router.post("/incidents/{incident_id}/runbook-panel/{execution_id}/step/{step_id}", response_class=HTMLResponse)
    async def panel_step(
        incident_id: int, execution_id: int, step_id: str, request: Request, verb: str = Form(...),
        note: str = Form(""), reason: str = Form(""), choice: str | None = Form(None), principal: Principal = operator,
    ) -> HTMLResponse:
        """Sign a step off (complete, skip, fail, confirm, approve its action, begin)."""
        if verb not in set(Verb):
            raise HTTPException(422, f"verb must be one of {', '.join(Verb)}")
        step_request = StepRequest(Verb(verb), note=note, reason=reason, choice=choice or None)
        return await acted(request, principal, incident_id, lambda: service.step(
            execution_id, step_id, step_request, actor=principal.username, via="ui"
        ))

    @router.post("/incidents/{incident_id}/runbook-panel/{execution_id}/{verb}", response_class=HTMLResponse)
    async def panel_verb(
        incident_id: int, execution_id: int, verb: str, request: Request, reason: str = Form(""),
        principal: Principal = operator,
    ) -> HTMLResponse:
        """Accept, decline, abort or roll back from the panel."""
        calls = {"accept": service.accept, "decline": service.decline, "abort": service.abort, "rollback": service.rollback}
        if verb not in calls:
            raise HTTPException(404, f"no such action {verb!r}")
        extra = {} if verb == "accept" else {"reason": reason}
        return await acted(request, principal, incident_id, lambda: calls[verb](
            execution_id, actor=principal.username, via="ui", **extra
        ))

    @router.get("/runbooks/{runbook_id}/drill", response_class=HTMLResponse)
    def drill_page(runbook_id: str, request: Request, principal: Principal = viewer) -> HTMLResponse:
        """The drill page: what a drill does, who takes part, the start button."""
        runbook = service.catalogue.get(runbook_id)
        if runbook is None:
            raise HTTPException(404, f"no runbook {runbook_id!r}")
        language = language_of(request, principal)
        return HTMLResponse(TEMPLATES.get_template("drill.html").render(
            t=translator(language), lang=language, runbook={"id": runbook.id, "title": runbook.title.get(language),
            "summary": runbook.summary.get(language), "steps": [s.title.get(language) for s in runbook.steps]},
            csrf=csrf_token(request), can_act=principal.role.allows(Role.OPERATOR), error="",
        ))

    @router.post("/runbooks/{runbook_id}/drill")
    async def drill_start(
        runbook_id: str, request: Request, participants: str = Form(""), principal: Principal = operator
    ):
        """Start the drill, then show its report page (it fills in as the steps are signed off)."""
        try:
            _, execution_id, _ = await service.start_drill(
                runbook_id, participants.split(","), actor=actor_of(principal, None), via="ui"
            )
        except REFUSALS as exc:
            raise HTTPException(422 if "participant" in str(exc) else 404, str(exc)) from None
        return RedirectResponse(f"/runbooks/drills/{execution_id}", status_code=303)

    @router.get("/runbooks/drills/{execution_id}", response_class=HTMLResponse)
    async def drill_report_page(execution_id: int, request: Request, principal: Principal = viewer) -> HTMLResponse:
        """The report of a drill."""
        try:
            report = await service.report(execution_id)
        except REFUSALS as exc:
            raise HTTPException(404, str(exc)) from None
        with service.sessions() as session:
            incident_id = queries.get_execution(session=session, execution_id=execution_id).incident_id
        language = language_of(request, principal)
        runbook = service.runbook(report.runbook_id)
        return HTMLResponse(TEMPLATES.get_template("report.html").render(
            t=translator(language), lang=language, report=report, runbook_title=runbook.title.get(language),
            incident_id=incident_id, duration=duration,
        ))

    return router
