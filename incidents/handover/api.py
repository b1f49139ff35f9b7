"""I/O: the handover API — `POST /api/handovers`, `POST /api/handovers/{id}/acknowledge`, `GET /api/handovers[/{id}]`.

Writing and acknowledging need an operator; reading a viewer. The writer is the signed-in person
(an admin may write for the named `outgoing`); only the named incoming person or an admin may
acknowledge. `Idempotency-Key` makes a retried write safe; `X-Alertdesk-Via` says ui or cli.
Answers: 404 unknown handover, 403 not yours to write or acknowledge, 409 shift already handed
over, 422 bad body, 503 with `Retry-After` when the database is away or the events were not announced.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Awaitable, Callable

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import sessionmaker

from access.roles import Role
from access.web import Principal, require
from incidents.action_service import ActionsUnavailable, EventsNotPublished
from incidents.handover.rules import (
    MAX_LABEL,
    MAX_NAME,
    MAX_NOTES,
    HandoverConflict,
    HandoverError,
    HandoverForbidden,
    HandoverNotFound,
    draft,
)
from incidents.handover.service import HandoverService
from incidents.handover.store import get_handover, handover_dict, list_handovers
from incidents.lifecycle_api import Caller
from streams.alerts.receivers.http import RETRY_AFTER_S


class HandoverBody(BaseModel):
    """What the outgoing shift writes; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")

    shift_label: str = Field(min_length=1, max_length=MAX_LABEL, description='e.g. "night 2026-11-03" or "夜班"')
    shift_start: datetime
    shift_end: datetime
    incoming: str = Field(min_length=1, max_length=MAX_NAME, description="Who takes over (a person's id).")
    outgoing: str | None = Field(None, max_length=MAX_NAME, description="Who hands over; default: you.")
    notes: str = Field("", max_length=MAX_NOTES)


def handover_router(sessions: sessionmaker, handovers: HandoverService) -> APIRouter:
    """Return the router writing, acknowledging and listing handovers."""
    router = APIRouter(prefix="/api/handovers", tags=["handovers"])

    @router.post("")
    async def write(
        body: HandoverBody, caller: Caller = Depends(), principal: Principal = Depends(require(Role.OPERATOR))
    ) -> dict[str, Any]:
        """Write the handover of your shift, with a snapshot of what is open now."""
        async def act() -> dict[str, Any]:
            checked = draft(
                shift_label=body.shift_label, shift_start=body.shift_start, shift_end=body.shift_end,
                outgoing=body.outgoing or principal.username, incoming=body.incoming, notes=body.notes,
            )
            return await handovers.write(
                checked, writer=principal.username, is_admin=principal.role is Role.ADMIN, via=caller.via,
                request_key=caller.key,
            )

        return await _answer(act)

    @router.post("/{handover_id}/acknowledge")
    async def acknowledge(
        handover_id: int, caller: Caller = Depends(), principal: Principal = Depends(require(Role.OPERATOR))
    ) -> dict[str, Any]:
        """Acknowledge a handover as its incoming person; a second acknowledgement returns the first."""
        return await _answer(lambda: handovers.acknowledge(
            handover_id, actor=principal.username, is_admin=principal.role is Role.ADMIN, via=caller.via
        ))

    @router.get("")
    def listing(
        limit: int = Query(50, ge=1, le=500),
        offset: int = Query(0, ge=0),
        _principal: Principal = Depends(require(Role.VIEWER)),
    ) -> dict[str, Any]:
        """Handovers, newest first."""
        with sessions() as session:
            rows, total = list_handovers(session=session, limit=limit, offset=offset)
            items = [handover_dict(row) for row in rows]
        return {"items": items, "total": total, "limit": limit, "offset": offset}

    @router.get("/{handover_id}")
    def one(handover_id: int, _principal: Principal = Depends(require(Role.VIEWER))) -> dict[str, Any]:
        """One handover with its snapshot; 404 if there is none."""
        with sessions() as session:
            found = get_handover(session=session, handover_id=handover_id)
            if found is None:
                raise HTTPException(status_code=404, detail=f"handover {handover_id} not found")
            return handover_dict(found)

    return router


async def _answer(act: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """Run the write or acknowledgement and turn a refusal into its HTTP status."""
    try:
        return await act()
    except HandoverNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except HandoverForbidden as exc:
        raise HTTPException(status_code=403, detail=str(exc)) from None
    except HandoverConflict as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    except HandoverError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    except (ActionsUnavailable, EventsNotPublished) as exc:
        raise HTTPException(status_code=503, detail=str(exc), headers={"Retry-After": RETRY_AFTER_S}) from None
