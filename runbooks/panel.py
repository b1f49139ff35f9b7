"""I/O: the runbook panel of the incident page (an htmx fragment); the drill pages come with it (drill_pages.py).

    GET  /incidents/{id}/runbook-panel                          the fragment the desk's incident page loads
    POST /incidents/{id}/runbook-panel/start                    form: runbook_id
    POST /incidents/{id}/runbook-panel/{execution}/step/{step}  form: verb, note, reason, choice
    POST /incidents/{id}/runbook-panel/{execution}/{verb}       accept, decline, abort, rollback (form: reason)

Every POST answers with the panel re-rendered (a refusal shown in it), so htmx swaps the
fragment and the operator sees the next step at once. Forms carry `csrf_token` (access.web).
What one execution shows is `runbooks/panel_view.py`; templates and language `runbooks/pages.py`.
"""
from __future__ import annotations

from typing import Awaitable, Callable

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse

from access.web import Principal, Role, csrf_token, require
from runbooks import queries
from runbooks.api import REFUSALS
from runbooks.drill_pages import drill_router
from runbooks.execution import Verb
from runbooks.execution_moves import StepRequest
from runbooks.pages import TEMPLATES, language_of
from runbooks.panel_text import translate, translator
from runbooks.panel_view import execution_view
from runbooks.service import RunbookService
from runbooks.triggers import matches


def panel_router(service: RunbookService) -> APIRouter:
    """The panel and drill pages over `service`."""
    router = APIRouter(include_in_schema=False)
    viewer, operator = Depends(require(Role.VIEWER)), Depends(require(Role.OPERATOR))

    def panel(request: Request, principal: Principal, incident_id: int, error: str = "") -> HTMLResponse:
        """The fragment: each execution's current step, the matching runbooks not started, and `error` if any."""
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

    async def acted(
        request: Request, principal: Principal, incident_id: int, act: Callable[[], Awaitable[object]]
    ) -> HTMLResponse:
        """Do `act`, then answer with the panel; a refusal is shown in it rather than as an error page."""
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

    router.include_router(drill_router(service))
    return router
