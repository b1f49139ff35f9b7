"""I/O: the desk's "report an incident" page (`GET|POST /incidents/new`): a user phones the desk, the desk opens it.

The form goes through `IncidentActions.report` as `actor=<username>, via="ui"`, like the API's
`POST /api/incidents`: priority is impact x urgency, a P1 is major at once, and from then on it is
an incident like any other. The form's hidden `request_id` is the idempotency key, so a double
click opens one incident. A refusal shows the form again with what was typed and the reason.
"""
from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from access.web import Principal, Role, require
from desk.i18n import translator
from desk.render import Pages, request_language
from incidents.action_inputs import ActionError
from incidents.action_service import ActionsUnavailable, EventsNotPublished, IncidentActions
from incidents.lifecycle import Via
from incidents.reported import Report
from streams.correlation.priority import LEVELS

#: The categories offered (the machine room's, as correlation names them, and the desk's own).
CATEGORIES = ("power", "cooling", "network", "environment", "compute", "storage", "application", "security", "other")
#: field → longest accepted value.
LIMITS = {"title": 512, "site": 128, "services": 1_000, "description": 10_000, "request_id": 255}


class _Refused(Exception):
    """A form the desk refuses before calling the service: the message is already in the user's language."""


def new_incident_router(pages: Pages, actions: IncidentActions) -> APIRouter:
    """Return the router of the "report an incident" page; operators open incidents through `actions`."""
    router = APIRouter(include_in_schema=False)

    def form_page(request: Request, principal: Principal, values: dict[str, str], *, error: str = "",
                  status_code: int = 200) -> HTMLResponse:
        return pages.render(
            request, "new_incident.html", principal, status_code=status_code, values=values, error=error,
            categories=CATEGORIES, levels=LEVELS, request_id=values.get("request_id") or uuid.uuid4().hex,
        )

    @router.get("/incidents/new", response_class=HTMLResponse)
    async def new(request: Request, principal: Principal = Depends(require(Role.OPERATOR))) -> HTMLResponse:
        """The empty form."""
        return form_page(request, principal, {"category": "other", "impact": "low", "urgency": "low"})

    @router.post("/incidents/new")
    async def create(request: Request, principal: Principal = Depends(require(Role.OPERATOR))) -> Response:
        """Open the reported incident and show it; the form again, with the reason, when refused."""
        t = translator(request_language(request, principal))
        values = {key: str(value).strip() for key, value in (await request.form()).items() if key != "csrf_token"}
        try:
            report = _report(values, t)
            events = await actions.report(
                report, actor=principal.username, via=str(Via.UI), request_id=values.get("request_id") or None
            )
        except (_Refused, ActionError) as exc:
            return form_page(request, principal, values, error=str(exc), status_code=422)
        except (ActionsUnavailable, EventsNotPublished) as exc:
            return form_page(request, principal, values, error=str(exc), status_code=503)
        return RedirectResponse(f"/incidents/{events[0].incident_id}", status_code=303)

    return router


def _report(values: dict[str, str], t: Any) -> Report:
    """The report the form describes.

    Raises:
        _Refused: a blank title, a value too long, or a category or level not offered — in the user's language.
    """
    for field, longest in LIMITS.items():
        if len(values.get(field, "")) > longest:
            raise _Refused(t("error.too_long", field=t(f"new.{field}"), length=len(values[field]), limit=longest))
    if not values.get("title"):
        raise _Refused(t("error.required", field=t("new.title")))
    for field, offered in (("category", CATEGORIES), ("impact", LEVELS), ("urgency", LEVELS)):
        if values.get(field) not in offered:
            raise _Refused(t("error.not_offered", field=t(f"new.{field}"), value=values.get(field, "")))
    services = tuple(name.strip() for name in values.get("services", "").split(",") if name.strip())
    return Report(
        title=values["title"], category=values["category"], impact=values["impact"], urgency=values["urgency"],
        site=values.get("site", ""), services=services, description=values.get("description", ""),
    )
