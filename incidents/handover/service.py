"""I/O: `HandoverService`, the shell handovers are written and acknowledged through: one transaction, then the events.

Like `incidents.action_service.IncidentActions`: the transaction runs in a thread with the same
retries on a busy or absent database (`ActionsUnavailable` when they run out), and afterwards each
HANDOVER event is published to `incidents.events` within a timeout. When publishing fails the
handover is stored but unannounced: `EventsNotPublished` says so, and repeating the request (the
same idempotency key for a write; any acknowledgement) publishes the recorded events again.
"""
from __future__ import annotations

import asyncio
import uuid
from typing import Any, Callable

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from incidents.action_service import (
    ACTION_RETRY,
    PUBLISH_TIMEOUT_S,
    ActionsUnavailable,
    EventsNotPublished,
    Publish,
)
from incidents.events import IncidentEvent
from incidents.handover import store
from incidents.handover.models import Handover
from incidents.handover.rules import Draft
from streams.agents.safety import call_with_retries
from streams.clock import Clock
from streams.retry import RetryPolicy

STAGE = "handovers"


class HandoverService:
    """Write and acknowledge handovers and announce them; returns the handover as the API shows it."""

    def __init__(
        self,
        sessions: sessionmaker,
        publish: Publish,
        clock: Clock,
        *,
        pending_steps: store.PendingSteps = store.no_pending_steps,
        retry: RetryPolicy = ACTION_RETRY,
        publish_timeout_s: float = PUBLISH_TIMEOUT_S,
    ) -> None:
        self._sessions = sessions
        self._publish = publish
        self._clock = clock
        self._pending_steps = pending_steps
        self._retry = retry
        self._publish_timeout_s = publish_timeout_s

    async def write(
        self, draft: Draft, *, writer: str, is_admin: bool, via: str, request_key: str | None = None
    ) -> dict[str, Any]:
        """Write the handover of `draft` (see `store.write_handover` for the refusals)."""
        key = request_key or uuid.uuid4().hex
        now = self._clock.now()
        return await self._run(
            lambda session: store.write_handover(
                session=session, draft=draft, writer=writer, is_admin=is_admin, via=via, request_key=key, now=now,
                pending_steps=self._pending_steps,
            ),
            f"write the handover of shift {draft.shift_label} (idempotency key {key})",
            request_id=key,
        )

    async def acknowledge(self, handover_id: int, *, actor: str, is_admin: bool, via: str) -> dict[str, Any]:
        """Acknowledge a handover as its incoming person (see `store.acknowledge_handover`)."""
        now = self._clock.now()
        return await self._run(
            lambda session: store.acknowledge_handover(
                session=session, handover_id=handover_id, actor=actor, is_admin=is_admin, via=via, now=now
            ),
            f"acknowledge handover {handover_id}",
            request_id=str(handover_id),
        )

    async def _run(
        self, apply: Callable[[Session], tuple[Handover, list[IncidentEvent]]], what: str, *, request_id: str
    ) -> dict[str, Any]:
        """Apply in one committed transaction (retried while the database is busy), then publish the events."""

        def transaction() -> tuple[dict[str, Any], list[IncidentEvent]]:
            with self._sessions() as session, session.begin():
                handover, events = apply(session)
                return store.handover_dict(handover), events

        try:
            shown, events = await call_with_retries(
                lambda: asyncio.to_thread(transaction), stage=STAGE, retry=self._retry
            )
        except OperationalError as exc:
            raise ActionsUnavailable(f"could not {what}: the database is unavailable; nothing was changed") from exc
        for event in events:
            try:
                await asyncio.wait_for(self._publish(event), self._publish_timeout_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the handover is stored; the caller repeats the request to announce it
                raise EventsNotPublished(
                    f"{what}: done, but its events were not announced ({type(exc).__name__}: {exc});"
                    " repeat the request",
                    request_id=request_id, events=events,
                ) from exc
        return shown
