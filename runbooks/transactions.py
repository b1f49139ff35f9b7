"""I/O: how a runbook change is applied — one committed transaction in a thread, then its events on the bus.

The transaction is retried while the database is busy (`call_with_retries`); when it stays away
the caller gets `ActionsUnavailable` and nothing changed. The events of a committed change are
published one by one within a timeout; a failure raises `EventsNotPublished` naming the event,
so the caller repeats the request (its request id makes the repeat change nothing twice).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from incidents.action_service import ActionsUnavailable, EventsNotPublished, Publish
from incidents.events import IncidentEvent
from streams.agents.safety import call_with_retries
from streams.retry import RetryPolicy

log = logging.getLogger(__name__)
STAGE = "runbooks"
T = TypeVar("T")


class Transactions:
    """Runs runbook work in committed transactions and announces the events it returns."""

    def __init__(self, sessions: sessionmaker, publish: Publish, *, retry: RetryPolicy, publish_timeout_s: float) -> None:
        self._sessions = sessions
        self._publish = publish
        self._retry = retry
        self._publish_timeout_s = publish_timeout_s

    async def run(self, work: Callable[[Session], T], what: str) -> T:
        """Run `work` in one committed transaction in a thread, retried while the database is busy.

        Raises:
            ActionsUnavailable: the database stayed unavailable; `what` says what could not be done.
        """

        def transaction() -> Any:
            with self._sessions() as session, session.begin():
                return work(session)

        try:
            return await call_with_retries(lambda: asyncio.to_thread(transaction), stage=STAGE, retry=self._retry)
        except OperationalError as exc:
            raise ActionsUnavailable(f"could not {what}: the database is unavailable; nothing was changed, retry shortly") from exc

    async def announce(self, events: list[IncidentEvent]) -> list[IncidentEvent]:
        """Publish each event within the timeout and return them.

        Raises:
            EventsNotPublished: at the first event that could not be published (the change stays committed).
        """
        for event in events:
            try:
                await asyncio.wait_for(self._publish(event), self._publish_timeout_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the change is committed but unannounced: the caller repeats it
                log.error("%s: %s of incident %s not announced: %s", STAGE, event.kind, event.incident_id, exc)
                raise EventsNotPublished(
                    f"done, but its {event.kind} event was not announced ({type(exc).__name__}: {exc}); repeat the request",
                    request_id=event.event_id,
                    events=events,
                ) from exc
        return events
