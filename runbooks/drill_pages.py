"""I/O: the drill pages — start a drill of a runbook from the browser, and read its report.

    GET  /runbooks/{id}/drill         the drill page: what a drill does, who takes part, start button
    POST /runbooks/{id}/drill         form: participants → 303 to the report page
    GET  /runbooks/drills/{execution} the drill's report (time per step vs expected, time to acknowledge)

A drill opens a synthetic incident that pages only its participants (runbooks/service.py).
Forms carry `csrf_token` (access.web).
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from access.web import Principal, Role, csrf_token, require
from runbooks import queries
from runbooks.api import REFUSALS, actor_of
from runbooks.pages import TEMPLATES, language_of
from runbooks.panel_text import duration, translator
from runbooks.service import RunbookService


def drill_router(service: RunbookService) -> APIRouter:
    """The drill start and report pages over `service`."""
    router = APIRouter(include_in_schema=False)
    viewer, operator = Depends(require(Role.VIEWER)), Depends(require(Role.OPERATOR))

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
