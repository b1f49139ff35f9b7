"""I/O: the incident page (`GET /incidents/{id}`) and its forms (`POST /incidents/{id}/actions/{action}`).

Forms go through `IncidentActions` like every other channel, as `actor=<username>, via="ui"`, so
the timeline, the pager and the audit log cannot tell a button from the API except by `via`. A
successful action redirects back to the page (post/redirect/get: a reload never resends it); a
refused one shows the page again with the reason, e.g. "already acknowledged by li.wei … (via
sms)", which on a bad night is the normal case, not an error. Each form carries a fresh
`request_id`, the action's idempotency key, so a double click acknowledges once.
"""
from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import sessionmaker

from access.web import Principal, Role, require
from desk.board import deadlines
from desk.i18n import translator
from desk.render import Pages, request_language
from incidents.action_inputs import MAX_NAME, ActionError, IncidentNotFound
from incidents.action_service import ActionsUnavailable, EventsNotPublished, IncidentActions
from incidents.lifecycle import Action, IllegalTransition, Via, allowed_actions
from incidents.queries import get_incident
from notify.api import list_pages

#: The pages shown on an incident page, oldest first (a storm's hundredth SMS is in the API).
PAGES_LIMIT = 200
MAX_TEXT = 10_000
MAX_REQUEST_ID = 255
#: action in the URL → (IncidentActions method, form field passed as its keyword, required, longest).
FORMS: dict[str, tuple[str, str, bool, int]] = {
    Action.ACKNOWLEDGE: ("acknowledge", "note", False, MAX_TEXT),
    Action.RESOLVE: ("resolve", "note", False, MAX_TEXT),
    Action.ESCALATE: ("escalate", "note", False, MAX_TEXT),
    Action.REOPEN: ("reopen", "note", False, MAX_TEXT),
    Action.CLOSE: ("close", "note", False, MAX_TEXT),
    Action.ASSIGN: ("assign", "assignee", True, MAX_NAME),
    Action.NOTE: ("add_note", "text", True, MAX_TEXT),
}
#: Buttons changing the status (each with an optional note); assign and note have forms of their own.
STATUS_BUTTONS = (Action.ACKNOWLEDGE, Action.RESOLVE, Action.ESCALATE, Action.REOPEN, Action.CLOSE)
_REFUSED = "error.refused"
_UNAVAILABLE = "error.unavailable"


class _Refused(Exception):
    """A form the desk refuses before calling the service: the message is already in the user's language."""


def incident_router(sessions: sessionmaker, pages: Pages, actions: IncidentActions) -> APIRouter:
    """Return the router serving incident pages and applying their forms through `actions`."""
    router = APIRouter(include_in_schema=False)

    async def page(
        request: Request, principal: Principal, incident_id: int, *, error: str = "", error_title: str = _REFUSED,
        status_code: int = 200,
    ) -> HTMLResponse:
        incident, outbox = await run_in_threadpool(_load, sessions, incident_id)
        if incident is None:
            t = translator(request_language(request, principal))
            return pages.render(
                request, "message.html", principal, status_code=404, title=_REFUSED,
                message=t("error.not_found", id=incident_id),
            )
        allowed = allowed_actions(incident["status"])
        return pages.render(
            request, "incident.html", principal, status_code=status_code,
            incident=incident, pages=outbox, deadlines=deadlines(incident),
            status_actions=[action for action in STATUS_BUTTONS if action in allowed],
            can_assign=Action.ASSIGN in allowed,
            request_ids={action: uuid.uuid4().hex for action in FORMS},
            error=error, error_title=error_title,
        )

    @router.get("/incidents/{incident_id}", response_class=HTMLResponse)
    async def incident(
        incident_id: int, request: Request, principal: Principal = Depends(require(Role.VIEWER))
    ) -> HTMLResponse:
        """Header, SLA deadlines, actions, root cause, runbook panel, alerts, timeline and pages of one incident."""
        return await page(request, principal, incident_id)

    @router.post("/incidents/{incident_id}/actions/{action}")
    async def act(
        incident_id: int, action: str, request: Request, principal: Principal = Depends(require(Role.OPERATOR))
    ) -> Response:
        """Apply one form's action as the signed-in operator; back to the page, with the reason when refused."""
        t = translator(request_language(request, principal))
        if action not in FORMS:
            return pages.render(
                request, "message.html", principal, status_code=404, title=_REFUSED,
                message=t("error.unknown_action", action=action),
            )
        form = await request.form()
        try:
            method, field, value, request_id = _read_form(action, form, t)
            await getattr(actions, method)(
                incident_id, actor=principal.username, via=str(Via.UI), request_id=request_id, **{field: value}
            )
        except IncidentNotFound:
            return await page(request, principal, incident_id)
        except IllegalTransition as exc:
            return await page(request, principal, incident_id, error=str(exc), status_code=409)
        except (_Refused, ActionError) as exc:
            return await page(request, principal, incident_id, error=str(exc), status_code=422)
        except (ActionsUnavailable, EventsNotPublished) as exc:
            return await page(
                request, principal, incident_id, error=str(exc), error_title=_UNAVAILABLE, status_code=503
            )
        return RedirectResponse(f"/incidents/{incident_id}", status_code=303)

    return router


def _read_form(action: str, form: Any, t: Any) -> tuple[str, str, str, str | None]:
    """(service method, its keyword, the value, request id) of a posted form.

    Raises:
        _Refused: a required field blank, or a value too long — in the user's language.
    """
    method, field, required, longest = FORMS[action]
    value = str(form.get(field) or "").strip()
    if required and not value:
        raise _Refused(t("error.required", field=t(f"form.{field}")))
    if len(value) > longest:
        raise _Refused(t("error.too_long", field=t(f"form.{field}"), length=len(value), limit=longest))
    request_id = str(form.get("request_id") or "").strip()
    if len(request_id) > MAX_REQUEST_ID:
        raise _Refused(t("error.too_long", field="request_id", length=len(request_id), limit=MAX_REQUEST_ID))
    return method, field, value, request_id or None


def _load(sessions: sessionmaker, incident_id: int) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The incident (None if there is none) and its outbox rows, read in one session."""
    with sessions() as session:
        incident = get_incident(session=session, incident_id=incident_id)
        if incident is None:
            return None, []
        outbox, _ = list_pages(session=session, incident_id=incident_id, limit=PAGES_LIMIT, offset=0)
    return incident, outbox
