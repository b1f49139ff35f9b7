"""I/O: `IncidentActions`, the shell people's actions go through: one transaction, then the events on the bus.

The API, the CLI (through the API), the pager's SMS and phone webhooks all call it. An action is
applied synchronously — the caller needs the answer ("acknowledged" or "already acknowledged by
li.wei") now, not after a trip through `incidents.commands` — in one transaction run in a thread
(`asyncio.to_thread`), so the synchronous SQLAlchemy calls never block the event loop. A lock or
serialization failure (SQLite's busy writer, PostgreSQL's failover) is retried a few times with a
capped backoff, then reported as `ActionsUnavailable` (the API answers 503). After the commit
each event is published to `incidents.events`, each within a timeout; when that fails the action
is done but unannounced, and `EventsNotPublished` carries the request id: the same request with
that id again returns the recorded events and publishes them again (consumers are idempotent
on `event_id`), so the pager does stop escalating.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any, Awaitable, Callable, Mapping

from faust.types import TopicT
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import sessionmaker

from incidents import actions, reported
from incidents.events import IncidentEvent
from incidents.sla.targets import DEFAULT_POLICY, SlaPolicy
from streams.agents.safety import call_with_retries
from streams.clock import Clock, SystemClock
from streams.correlation.priority import DEFAULT_MATRIX
from streams.retry import RetryPolicy

log = logging.getLogger(__name__)

Publish = Callable[[IncidentEvent], Awaitable[None]]

#: A person (or Twilio's webhook) waits for the answer: about two seconds of retries, then 503. An
#: IntegrityError is a race lost to another writer (the same request twice, a reopen beside a new
#: incident of the group): the retry reads the winner's row and answers from it.
ACTION_RETRY = RetryPolicy(
    transient=(OperationalError, IntegrityError), attempts=5, first_delay_s=0.05, max_delay_s=1.0
)
PUBLISH_TIMEOUT_S = 5.0
STAGE = "incident-actions"


class ActionsUnavailable(Exception):
    """The database did not answer (or stayed locked) through the retries; nothing was applied. Retry later."""


class EventsNotPublished(Exception):
    """The action was committed but its events did not reach `incidents.events`; repeat it with `request_id`."""

    def __init__(self, message: str, *, request_id: str, events: list[IncidentEvent]) -> None:
        super().__init__(message)
        self.request_id = request_id
        self.events = events


def topic_publisher(topic: TopicT) -> Publish:
    """A `Publish` that sends an event to `topic` keyed by incident id and waits for the broker's acknowledgement."""

    async def publish(event: IncidentEvent) -> None:
        pending = await topic.send(key=str(event.incident_id).encode(), value=event.to_dict())
        await pending

    return publish


class IncidentActions:
    """Report, acknowledge, resolve, close, reopen, assign, note, escalate and link incidents; announce what changed.

    Every method returns the events of the action (or, for a request id seen before, the events
    recorded the first time) and raises what `incidents.actions` raises — `IncidentNotFound`,
    `incidents.lifecycle.IllegalTransition`, `IdempotencyKeyReused`, `ActionError` — or
    `ActionsUnavailable`, `EventsNotPublished`. Without a `request_id` a fresh one is generated.
    """

    def __init__(
        self,
        sessions: sessionmaker,
        publish: Publish,
        *,
        clock: Clock | None = None,
        retry: RetryPolicy = ACTION_RETRY,
        publish_timeout_s: float = PUBLISH_TIMEOUT_S,
        matrix: Mapping[tuple[str, str], str] = DEFAULT_MATRIX,
        sla: SlaPolicy = DEFAULT_POLICY,
    ) -> None:
        self._sessions = sessions
        self._matrix = matrix
        self._sla = sla
        self._publish = publish
        self._clock = clock or SystemClock()
        self._retry = retry
        self._publish_timeout_s = publish_timeout_s

    async def acknowledge(
        self, incident_id: int, *, actor: str, via: str, request_id: str | None = None, note: str = ""
    ) -> list[IncidentEvent]:
        """Acknowledge a triggered incident."""
        return await self._run(actions.acknowledge, "acknowledge", actor, via, request_id, incident_id=incident_id, note=note)

    async def resolve(
        self, incident_id: int, *, actor: str, via: str, request_id: str | None = None, note: str = ""
    ) -> list[IncidentEvent]:
        """Resolve a triggered or acknowledged incident."""
        return await self._run(actions.resolve, "resolve", actor, via, request_id, incident_id=incident_id, note=note)

    async def close(
        self, incident_id: int, *, actor: str, via: str, request_id: str | None = None, note: str = ""
    ) -> list[IncidentEvent]:
        """Close a resolved incident."""
        return await self._run(actions.close, "close", actor, via, request_id, incident_id=incident_id, note=note)

    async def reopen(
        self, incident_id: int, *, actor: str, via: str, request_id: str | None = None, note: str = ""
    ) -> list[IncidentEvent]:
        """Reopen a resolved incident."""
        return await self._run(actions.reopen, "reopen", actor, via, request_id, incident_id=incident_id, note=note)

    async def assign(
        self, incident_id: int, *, actor: str, via: str, assignee: str, request_id: str | None = None
    ) -> list[IncidentEvent]:
        """Assign an incident that is not closed to a person or a group."""
        return await self._run(actions.assign, "assign", actor, via, request_id, incident_id=incident_id, assignee=assignee)

    async def add_note(
        self, incident_id: int, *, actor: str, via: str, text: str, request_id: str | None = None
    ) -> list[IncidentEvent]:
        """Add a note to an incident that is not closed."""
        return await self._run(actions.add_note, "add a note to", actor, via, request_id, incident_id=incident_id, text=text)

    async def escalate(
        self, incident_id: int, *, actor: str, via: str, request_id: str | None = None, note: str = ""
    ) -> list[IncidentEvent]:
        """Escalate an open incident by hand: the pager pages the next level now."""
        return await self._run(actions.escalate, "escalate", actor, via, request_id, incident_id=incident_id, note=note)

    async def link(
        self, incident_id: int, *, actor: str, via: str, other_id: int, request_id: str | None = None, note: str = ""
    ) -> list[IncidentEvent]:
        """Link an incident that is not closed to a related one."""
        return await self._run(actions.link, "link", actor, via, request_id, incident_id=incident_id, other_id=other_id, note=note)

    async def report(
        self, report: reported.Report, *, actor: str, via: str, request_id: str | None = None
    ) -> list[IncidentEvent]:
        """Open an incident a person reported; the first event's `incident_id` is the new incident."""
        matrix, sla = self._matrix, self._sla

        def apply(**fields: Any) -> list[IncidentEvent]:
            return reported.report(report=report, matrix=matrix, sla=sla, **fields)

        return await self._run(apply, "report", actor, via, request_id)

    async def _run(
        self,
        apply: Callable[..., list[IncidentEvent]],
        verb: str,
        actor: str,
        via: str,
        request_id: str | None,
        **fields: Any,
    ) -> list[IncidentEvent]:
        """Apply in one committed transaction (retried while the database is busy or away), then publish."""
        request_id = request_id or uuid.uuid4().hex
        subject = f"incident {fields['incident_id']}" if "incident_id" in fields else "a new incident"
        now = self._clock.now()

        def transaction() -> list[IncidentEvent]:
            with self._sessions() as session, session.begin():
                return apply(session=session, actor=actor, via=via, now=now, request_id=request_id, **fields)

        try:
            events = await call_with_retries(lambda: asyncio.to_thread(transaction), stage=STAGE, retry=self._retry)
        except OperationalError as exc:
            reason = _first_line(exc.orig or exc)
            raise ActionsUnavailable(
                f"could not {verb} {subject}: the database is unavailable ({reason});"
                " nothing was changed, retry shortly"
            ) from exc
        await self._announce(events, verb=verb, subject=subject, request_id=request_id)
        return events

    async def _announce(self, events: list[IncidentEvent], *, verb: str, subject: str, request_id: str) -> None:
        """Publish each event within the timeout; raise `EventsNotPublished` at the first that fails."""
        for event in events:
            try:
                await asyncio.wait_for(self._publish(event), self._publish_timeout_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure leaves the event unannounced: the caller must repeat the request
                if isinstance(exc, TimeoutError):
                    reason = f"no broker acknowledgement within {self._publish_timeout_s:g}s"
                else:
                    reason = f"{type(exc).__name__}: {exc}"
                log.error("%s: %s of %s done but not announced: %s", STAGE, event.kind, subject, reason)
                raise EventsNotPublished(
                    f"{verb} {subject}: done, but its {event.kind} event was not announced ({reason});"
                    f" repeat the request with idempotency key {request_id} so the pager hears of it",
                    request_id=request_id,
                    events=events,
                ) from exc


def _first_line(error: BaseException) -> str:
    """The first line of an error's message (a driver's message goes on with the SQL)."""
    return (str(error).splitlines() or [type(error).__name__])[0]
