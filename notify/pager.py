"""I/O: the pager shell: plan, render, record in the outbox, send through channels, record the outcome.

No page is sent without its outbox row committed first, and a row is marked only after its send
returns, so a crash anywhere leaves either an unsent pending row (sent once on the next handling
of the event) or, between the provider accepting and the second commit, at most one resend.
"""
from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Callable, Mapping, Sequence

from sqlalchemy.orm import Session

from incidents.db import DATABASE_RETRY
from incidents.events import IncidentEvent
from notify import outbox
from notify.channels.base import Channel, SendResult
from notify.metrics import PAGES
from notify.models import OutboxMessage
from notify.planner import PageIntent, Route, plan_pages
from notify.render import render
from streams.agents.safety import call_with_retries
from streams.clock import Clock


class Pager:
    """Turns incident events into sent (or failed) outbox messages.

    `session_factory` should not expire on commit (as `incidents.db.session_factory`), because the
    returned rows are read after their session closes.
    """

    def __init__(
        self,
        session_factory: Callable[[], Session],
        channels: Mapping[str, Channel],
        routes: Sequence[Route],
        clock: Clock,
        send_timeout: float = 10.0,
    ) -> None:
        self._session_factory = session_factory
        self._channels = dict(channels)
        self._routes = tuple(routes)
        self._clock = clock
        self._send_timeout = send_timeout

    async def handle(self, event: IncidentEvent) -> list[OutboxMessage]:
        """Page for `event`; return the outbox rows sent or failed by this call (none if nothing was due).

        Raises:
            jinja2.TemplateError: if a template cannot render the event (nothing is recorded).
            sqlalchemy.exc.SQLAlchemyError: if the database is unavailable; nothing was sent
                unless the failure came after sending, in which case the rows stay pending.
        """
        plan = plan_pages(event, routes=self._routes)
        if not plan.intents:
            return []
        bodies = [render(intent.template, intent.context) for intent in plan.intents]
        pending = await asyncio.to_thread(self._record, plan.intents, bodies, self._clock.now())
        if not pending:  # every page of this event was already sent or failed: a replay
            return []
        results = await asyncio.gather(*(self._send(message) for message in pending))
        # Sent is sent: a database hiccup now must be waited out here, not retried from the top,
        # which would find the rows still pending and send them again.
        now = self._clock.now()
        done = await call_with_retries(
            lambda: asyncio.to_thread(self._mark, pending, results, now), stage="pager", retry=DATABASE_RETRY
        )
        for message in done:
            PAGES.labels(channel=message.channel, status=message.status).inc()
        return done

    def _record(self, intents: Sequence[PageIntent], bodies: Sequence[str], now: datetime) -> list[OutboxMessage]:
        """First transaction: the outbox rows exist before anything is sent."""
        with self._session_factory() as session, session.begin():
            return outbox.record_intents(session=session, intents=intents, bodies=bodies, now=now)

    async def _send(self, message: OutboxMessage) -> SendResult:
        """Send one message through its channel, bounded by the send timeout; never raises."""
        channel = self._channels.get(message.channel)
        if channel is None:
            known = ", ".join(sorted(self._channels)) or "none"
            return SendResult(ok=False, error=f"unknown channel {message.channel!r} (configured: {known})")
        timeout = self._send_timeout
        try:
            return await asyncio.wait_for(
                channel.send(recipient=message.recipient, body=message.body, timeout=timeout), timeout
            )
        except TimeoutError:
            return SendResult(ok=False, error=f"timed out after {timeout:g}s")
        except Exception as exc:  # a channel broke its never-raise promise; record it, don't lose the row
            return SendResult(ok=False, error=f"channel {message.channel!r} raised {exc!r}")

    def _mark(self, messages: Sequence[OutboxMessage], results: Sequence[SendResult], now: datetime) -> list[OutboxMessage]:
        """Second transaction: record each send's outcome."""
        with self._session_factory() as session, session.begin():
            return [
                outbox.mark_sent(session=session, message=message, provider_id=result.provider_id, now=now)
                if result.ok
                else outbox.mark_failed(session=session, message=message, error=result.error or "failed", now=now)
                for message, result in zip(messages, results)
            ]
