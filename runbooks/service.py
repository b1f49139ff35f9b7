"""I/O: `RunbookService`, the shell every runbook change goes through: one transaction, then the events on the bus.

The API, the panel, the CLI (through the API), the trigger agent and the overdue timer call it.
Like `incidents.action_service`, each change runs in one transaction in a thread, retried while
the database is busy, then its timeline events are published to `incidents.events` within a
timeout (`EventsNotPublished` names the request id to repeat it with); see
`runbooks/transactions.py`. This module starts executions (on an incident event, by hand, as a
drill), reports on drills and announces overdue steps; the moves on a running execution, and
its automated actions, are `runbooks/execution_moves.py`.
"""
from __future__ import annotations

import uuid
from typing import Sequence

from sqlalchemy.orm import Session

from incidents.events import IncidentEvent
from incidents.models import Incident
from runbooks import queries, store
from runbooks.drill_store import open_drill_incident
from runbooks.drills import DrillReport, drill_report
from runbooks.execution_moves import ExecutionMoves
from runbooks.model import Start
from runbooks.triggers import EVENT_WHEN, auto_start_key, decide_starts, startable


class RunbookService(ExecutionMoves):
    """Start, offer, drill and drive runbook executions, and announce every change."""

    async def on_event(self, event: IncidentEvent) -> list[IncidentEvent]:
        """Start or offer the runbooks an incident event calls for (idempotent: a replay starts nothing new)."""
        return await self.on_events([event])

    async def on_events(self, events: Sequence[IncidentEvent]) -> list[IncidentEvent]:
        """`on_event` for a burst of events, in order, in one transaction: on SQLite each transaction waits
        for the write lock the incident writer needs too. Kinds no trigger looks at take none."""
        relevant = [event for event in events if str(event.kind) in EVENT_WHEN]
        if not relevant:
            return []
        now = self._clock.now()

        def transaction(session: Session) -> list[IncidentEvent]:
            started: list[IncidentEvent] = []
            for event in relevant:
                incident = session.get(Incident, event.incident_id)
                if incident is None:
                    continue
                # Runbooks started already are skipped before the incident's alerts are read: a growing
                # incident's every PRIORITY_CHANGED would read its thousands of alerts again for nothing.
                candidates = startable(str(event.kind), self.catalogue.all())
                keys = {runbook.id: auto_start_key(incident.id, runbook.id) for runbook in candidates}
                done = queries.started_keys(session=session, start_keys=list(keys.values()))
                waiting = [runbook for runbook in candidates if keys[runbook.id] not in done]
                if not waiting:
                    continue
                view = queries.trigger_view(session=session, incident=incident)
                for decision in decide_starts(str(event.kind), view, waiting):
                    _, events_of_start = store.start_execution(
                        session=session, runbook=self.runbook(decision.runbook_id), incident_id=incident.id,
                        start=decision.start, start_key=keys[decision.runbook_id], actor="system", via="system",
                        now=now,
                    )
                    started.extend(events_of_start)
            return started

        ids = ", ".join(sorted({str(event.incident_id) for event in relevant}))
        started = await self._transactions.run(transaction, f"start runbooks for incident(s) {ids}")
        return await self._transactions.announce(started)

    async def start(
        self, incident_id: int, runbook_id: str, *, actor: str, via: str, request_id: str | None = None
    ) -> tuple[int, list[IncidentEvent]]:
        """Start a runbook on an incident by hand; returns the execution id and the events."""
        runbook = self.runbook(runbook_id)
        key = f"manual/{request_id or uuid.uuid4().hex}"
        now = self._clock.now()

        def transaction(session: Session) -> tuple[int, list[IncidentEvent]]:
            row, events = store.start_execution(
                session=session, runbook=runbook, incident_id=incident_id, start=Start.AUTO, start_key=key, actor=actor,
                via=via, now=now,
            )
            return row.id, events

        execution_id, events = await self._transactions.run(transaction, f"start runbook {runbook_id}")
        return execution_id, await self._transactions.announce(events)

    async def start_drill(
        self, runbook_id: str, participants: Sequence[str], *, actor: str, via: str, request_id: str | None = None
    ) -> tuple[int, int, list[IncidentEvent]]:
        """Open a drill incident and start the runbook on it; returns (incident id, execution id, events)."""
        runbook = self.runbook(runbook_id)
        request_id = request_id or uuid.uuid4().hex
        now = self._clock.now()

        def transaction(session: Session) -> tuple[int, int, list[IncidentEvent]]:
            incident, opened = open_drill_incident(
                session=session, runbook=runbook, participants=participants, actor=actor, via=via, now=now,
                request_id=request_id,
            )
            row, started = store.start_execution(
                session=session, runbook=runbook, incident_id=incident.id, start=Start.AUTO,
                start_key=f"drill/{request_id}", actor=actor, via=via, now=now, drill=True,
            )
            return incident.id, row.id, [opened, *started]

        incident_id, execution_id, events = await self._transactions.run(transaction, f"start a drill of {runbook_id}")
        return incident_id, execution_id, await self._transactions.announce(events)

    async def report(self, execution_id: int) -> DrillReport:
        """The drill report (time per step against expectation, time to acknowledge) of an execution."""

        def read(session: Session) -> DrillReport:
            row = self._execution(session, execution_id)
            incident = queries.incident_row(session=session, incident_id=row.incident_id)
            return drill_report(
                execution_id=row.id, runbook=self.runbook(row.runbook_id), state=store.read_state(row),
                participants=list(incident.drill_participants or ()), opened_at=incident.opened_at,
                acknowledged_at=incident.acknowledged_at, acknowledged_by=incident.acknowledged_by,
            )

        return await self._transactions.run(read, f"report on execution {execution_id}")

    async def run_overdue(self) -> int:
        """Announce every step that passed its expected time (once per step); return how many."""
        now = self._clock.now()
        events = await self._transactions.run(lambda session: store.claim_overdue(session=session, now=now), "find overdue steps")
        await self._transactions.announce(events)
        return len(events)
