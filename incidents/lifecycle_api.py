"""I/O: the service desk's write API over incidents: report one, acknowledge, resolve, close, reopen, assign,
add a note, escalate by hand, link related incidents.

`POST /api/incidents/{id}/ack|resolve|close|reopen` take `{"by": "li.wei", "note": "..."}` (note
optional), `/assign` takes `{"by": ..., "assignee": "line2"}`, `/notes` `{"by": ..., "text": ...}`, `/escalate`
`{"by": ..., "note": ...}`, `/links` `{"by": ..., "other_id": 12, "note": ...}`; `POST /api/incidents`
opens a reported incident from `{"by", "title", "category", "impact", "urgency", "site", "services",
"description"}` and answers 201 with its `incident_id`.
`by` names who acts when an API token calls (the CLI's `--by`); a person signed in with a browser session
always acts as themselves (`by`, if sent, must be their name). The action is recorded as coming from the API,
or from the UI or the CLI when the caller says so in `X-Alertdesk-Via`. An optional
`Idempotency-Key` header makes a retry safe (same key, same answer, applied once); the key used
is echoed in the response's header. Answers: 200 with the events; 404 unknown incident; 409 not
allowed now (already acknowledged, not resolved yet, closed), with the reason; 422 bad body, bad
header, or a key reused for another request; 503 with `Retry-After` when the database is
unavailable, or when the action was done but not announced (repeat it with the same key).
"""
from __future__ import annotations

import uuid
from typing import Any, Awaitable, Callable, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from incidents.action_inputs import MAX_NAME, ActionError, IncidentNotFound
from incidents.action_service import ActionsUnavailable, EventsNotPublished, IncidentActions
from incidents.events import IncidentEvent
from incidents.lifecycle import IllegalTransition, Via
from incidents.reported import Report
from streams.alerts.receivers.http import RETRY_AFTER_S

VIA_HEADER = "X-Alertdesk-Via"
IDEMPOTENCY_HEADER = "Idempotency-Key"
#: What a caller of the HTTP API may say it is; sms and phone come from the webhooks, system from the pipeline.
HEADER_VIAS = (Via.API, Via.UI, Via.CLI)
MAX_TEXT = 10_000
#: The person signed in with a browser session on this request, or None (an API token, or no access layer).
SignedIn = Callable[[Request], "str | None"]
MAX_KEY = 255


class _Body(BaseModel):
    """Who acts; unknown keys are refused (a misspelt "note" must not vanish)."""

    model_config = ConfigDict(extra="forbid")

    by: str | None = Field(
        None, min_length=1, max_length=MAX_NAME,
        description="Who acts (a person's id): required from API tokens; a signed-in person acts as themselves.",
    )


class StatusChange(_Body):
    """Body of ack, resolve, close and reopen."""

    note: str = Field("", max_length=MAX_TEXT, description="Optional words for the timeline.")


class Assignment(_Body):
    """Body of assign."""

    assignee: str = Field(min_length=1, max_length=MAX_NAME, description="A person id or a group id.")


class Note(_Body):
    """Body of notes."""

    text: str = Field(min_length=1, max_length=MAX_TEXT)


class Escalation(_Body):
    """Body of escalate."""

    note: str = Field("", max_length=MAX_TEXT, description="Why, for the timeline and the people paged.")


class Link(_Body):
    """Body of links."""

    other_id: int = Field(ge=1, description="The related incident.")
    note: str = Field("", max_length=MAX_TEXT, description="How they are related.")


class NewIncident(_Body):
    """Body of a reported incident: what is wrong and how bad, in ITIL terms (priority = impact x urgency)."""

    title: str = Field(min_length=1, max_length=512)
    category: str = Field("other", min_length=1, max_length=32, description="power, cooling, network, … or other.")
    impact: Literal["high", "medium", "low"] = "low"
    urgency: Literal["high", "medium", "low"] = "low"
    site: str = Field("", max_length=128)
    services: list[str] = Field(default_factory=list, max_length=50, description="Business services affected.")
    description: str = Field("", max_length=MAX_TEXT, description="What the reporter said.")


class Caller:
    """Where the request comes from and its idempotency key (a fresh one when the caller sent none)."""

    def __init__(
        self,
        via: str | None = Header(None, alias=VIA_HEADER),
        key: str | None = Header(None, alias=IDEMPOTENCY_HEADER),
    ) -> None:
        self.via = _via(via)
        self.key = _key(key)


def lifecycle_router(actions: IncidentActions, *, signed_in: SignedIn = lambda _request: None) -> APIRouter:
    """Return the router applying people's actions to incidents through `actions`.

    `signed_in(request)` names the person signed in with a browser session, who always acts as themselves;
    other callers (API tokens: scripts, the CLI) say for whom they act in `by`.
    """
    router = APIRouter(prefix="/api/incidents", tags=["incidents"])

    def actor(request: Request, body: _Body) -> str:
        person = signed_in(request)
        if person is None:
            if body.by is None:
                raise HTTPException(status_code=422, detail="by: say who acts (a person's id)")
            return body.by
        if body.by not in (None, person):
            raise HTTPException(status_code=403, detail=f"by: signed in as {person}, you cannot act as {body.by}")
        return person

    @router.post("/{incident_id}/ack")
    async def acknowledge(incident_id: int, body: StatusChange, request: Request, response: Response, caller: Caller = Depends()):
        """Acknowledge a triggered incident: someone is on it, escalation stops."""
        return await _answer(response, caller, lambda: actions.acknowledge(
            incident_id, actor=actor(request, body), via=caller.via, request_id=caller.key, note=body.note
        ))

    @router.post("/{incident_id}/resolve")
    async def resolve(incident_id: int, body: StatusChange, request: Request, response: Response, caller: Caller = Depends()):
        """Resolve a triggered or acknowledged incident."""
        return await _answer(response, caller, lambda: actions.resolve(
            incident_id, actor=actor(request, body), via=caller.via, request_id=caller.key, note=body.note
        ))

    @router.post("/{incident_id}/close")
    async def close(incident_id: int, body: StatusChange, request: Request, response: Response, caller: Caller = Depends()):
        """Close a resolved incident for good."""
        return await _answer(response, caller, lambda: actions.close(
            incident_id, actor=actor(request, body), via=caller.via, request_id=caller.key, note=body.note
        ))

    @router.post("/{incident_id}/reopen")
    async def reopen(incident_id: int, body: StatusChange, request: Request, response: Response, caller: Caller = Depends()):
        """Reopen a resolved incident."""
        return await _answer(response, caller, lambda: actions.reopen(
            incident_id, actor=actor(request, body), via=caller.via, request_id=caller.key, note=body.note
        ))

    @router.post("/{incident_id}/assign")
    async def assign(incident_id: int, body: Assignment, request: Request, response: Response, caller: Caller = Depends()):
        """Assign an incident that is not closed to a person or a group."""
        return await _answer(response, caller, lambda: actions.assign(
            incident_id, actor=actor(request, body), via=caller.via, request_id=caller.key, assignee=body.assignee
        ))

    @router.post("/{incident_id}/notes")
    async def add_note(incident_id: int, body: Note, request: Request, response: Response, caller: Caller = Depends()):
        """Add a note to the timeline of an incident that is not closed."""
        return await _answer(response, caller, lambda: actions.add_note(
            incident_id, actor=actor(request, body), via=caller.via, request_id=caller.key, text=body.text
        ))

    @router.post("/{incident_id}/escalate")
    async def escalate(incident_id: int, body: Escalation, request: Request, response: Response, caller: Caller = Depends()):
        """Escalate an open incident by hand: the next level is paged now, not after its delay."""
        return await _answer(response, caller, lambda: actions.escalate(
            incident_id, actor=actor(request, body), via=caller.via, request_id=caller.key, note=body.note
        ))

    @router.post("/{incident_id}/links")
    async def link(incident_id: int, body: Link, request: Request, response: Response, caller: Caller = Depends()):
        """Link an incident that is not closed to a related incident."""
        return await _answer(response, caller, lambda: actions.link(
            incident_id, actor=actor(request, body), via=caller.via, request_id=caller.key, other_id=body.other_id, note=body.note
        ))

    @router.post("", status_code=201)
    async def report(body: NewIncident, request: Request, response: Response, caller: Caller = Depends()):
        """Open an incident a person reported (a phone call to the desk); it lives the same life as any other."""
        details = Report(
            title=body.title, category=body.category, impact=body.impact, urgency=body.urgency, site=body.site,
            services=tuple(body.services), description=body.description,
        )
        answer = await _answer(response, caller, lambda: actions.report(
            details, actor=actor(request, body), via=caller.via, request_id=caller.key
        ))
        return {"incident_id": answer["events"][0]["incident_id"], **answer}

    return router


async def _answer(
    response: Response, caller: Caller, act: Callable[[], Awaitable[list[IncidentEvent]]]
) -> dict[str, Any]:
    """Run the action and turn its outcome (or refusal) into the HTTP answer."""
    key_header = {IDEMPOTENCY_HEADER: caller.key}
    try:
        events = await act()
    except IncidentNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except IllegalTransition as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    except ActionError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    except ActionsUnavailable as exc:
        raise HTTPException(status_code=503, detail=str(exc), headers={"Retry-After": RETRY_AFTER_S}) from None
    except EventsNotPublished as exc:
        raise HTTPException(
            status_code=503, detail=str(exc), headers={"Retry-After": RETRY_AFTER_S, **key_header}
        ) from None
    response.headers.update(key_header)
    return {"events": [event.to_dict() for event in events]}


def _via(value: str | None) -> str:
    """The caller's channel from the header, "api" when absent; 422 for anything but api, ui or cli."""
    if value is None:
        return str(Via.API)
    wanted = value.strip().lower()
    if wanted not in HEADER_VIAS:
        raise HTTPException(
            status_code=422, detail=f"{VIA_HEADER}: {value!r} is not one of {', '.join(HEADER_VIAS)}"
        )
    return wanted


def _key(value: str | None) -> str:
    """The caller's idempotency key, or a fresh one; 422 when it is blank or too long."""
    if value is None:
        return uuid.uuid4().hex
    key = value.strip()
    if not key or len(key) > MAX_KEY:
        raise HTTPException(
            status_code=422, detail=f"{IDEMPOTENCY_HEADER}: send 1 to {MAX_KEY} characters, got {len(key)}"
        )
    return key
