"""I/O: the pages API (`GET /api/pages`): what the outbox holds — every page and notice, sent or not.

Read-only. "Was anyone paged for incident 12, how, and did it go out — and if not, why?" is
answered here: every page, notice and page not sent (with its `reason`), and the provider's
delivery status. `escalation_level` is the escalation step (0 for notices and major-incident pages).
Asked about one incident, it also says where the incident's escalation stands.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from notify.models import Escalation, OutboxMessage
from streams.clock import format_instant


def page_router(session_factory: sessionmaker) -> APIRouter:
    """Return the router serving the outbox from sessions opened with `session_factory`."""
    router = APIRouter(prefix="/api/pages", tags=["pages"])

    @router.get("")
    def pages(
        incident_id: int | None = None,
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0),
    ) -> dict[str, Any]:
        """List outbox rows, oldest first, optionally of one incident (then with its escalation's state)."""
        with session_factory() as session:
            items, total = list_pages(session=session, incident_id=incident_id, limit=limit, offset=offset)
            answer: dict[str, Any] = {"items": items, "total": total, "limit": limit, "offset": offset}
            if incident_id is not None:
                answer["escalation"] = _escalation(session.scalars(select(Escalation).where(Escalation.incident_id == incident_id)).one_or_none())
        return answer

    return router


def list_pages(
    *, session: Session, incident_id: int | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of outbox rows (oldest first), optionally of one incident, and how many match in total.

    The API and the desk's incident page both show this, so "who was paged, and why not" reads the same.
    """
    where = [OutboxMessage.incident_id == incident_id] if incident_id is not None else []
    total = session.scalar(select(func.count()).select_from(OutboxMessage).where(*where))
    rows = session.scalars(
        select(OutboxMessage).where(*where).order_by(OutboxMessage.id).limit(limit).offset(offset)
    ).all()
    return [_page(row) for row in rows], total


def _escalation(row: Escalation | None) -> dict[str, Any] | None:
    """Where the incident's escalation stands: `next_due_at` null means nothing more will page unless an event asks."""
    if row is None:
        return None
    due = None if row.next_due_at is None else format_instant(row.next_due_at)
    return {"policy_id": row.policy_id, "cycle": row.cycle, "status": row.status, "step": row.step, "reason": row.reason,
            "next_due_at": due}


def _page(row: OutboxMessage) -> dict[str, Any]:
    return {
        "id": row.id,
        "incident_id": row.incident_id,
        "event_id": row.event_id,
        "purpose": row.purpose,
        "cycle": row.cycle,
        "escalation_level": row.escalation_level,
        "recipient": row.recipient,
        "contact": row.contact,
        "channel": row.channel,
        "address": row.address,
        "attempt": row.attempt,
        "tries": row.tries,
        "status": row.status,
        "reason": row.reason,
        "provider_id": row.provider_id,
        "provider_status": row.provider_status,
        "error": row.error,
        "body": row.body,
        "due_at": format_instant(row.due_at),
        "created_at": format_instant(row.created_at),
        "sent_at": None if row.sent_at is None else format_instant(row.sent_at),
    }
