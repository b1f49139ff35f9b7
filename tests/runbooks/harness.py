"""A runbook service on a migrated database with a FakeClock, an HTTP app of its routes, and incident builders."""
from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from access.web import Principal, Role, require
from incidents.events import IncidentEvent
from incidents.models import Incident, IncidentAlert
from runbooks.action_runner import ActionRunner
from runbooks.api import runbook_router
from runbooks.catalogue import Catalogue, load_catalogue
from runbooks.panel import panel_router
from runbooks.service import RunbookService
from streams.clock import FakeClock
from tests.runbooks.fixtures import NOW, sample_runbook


def person(username: str, role: Role = Role.OPERATOR, language: str | None = None, via: str = "session") -> Principal:
    return Principal(username=username, role=role, display_name=username, language=language, via=via)


@dataclass
class Desk:
    """The service, what it published, and an HTTP client acting as `principal` (switch it to change operator)."""

    service: RunbookService
    sessions: sessionmaker
    clock: FakeClock
    published: list[IncidentEvent] = field(default_factory=list)
    principal: Principal = field(default_factory=lambda: person("li.wei"))

    def client(self) -> TestClient:
        app = FastAPI()
        app.include_router(runbook_router(self.service))
        app.include_router(panel_router(self.service))
        for role in Role:
            app.dependency_overrides[require(role)] = self._principal_for(role)
        return TestClient(app)

    def _principal_for(self, role: Role):
        def dependency() -> Principal:
            if not self.principal.role.allows(role):
                raise HTTPException(403, f"needs role {role}")
            return self.principal

        return dependency

    def kinds(self) -> list[str]:
        return [str(event.kind) for event in self.published]


def make_desk(sessions: sessionmaker, allowed: frozenset[str] = frozenset({"echo"}), *, only_sample: bool = False) -> Desk:
    """The runbook service over the shipped catalogue and the sample runbook (`only_sample`: that one alone)."""
    clock = FakeClock(NOW)
    catalogue = Catalogue({**({} if only_sample else load_catalogue().runbooks), "sample": sample_runbook()})
    published: list[IncidentEvent] = []

    async def publish(event: IncidentEvent) -> None:
        published.append(event)

    service = RunbookService(sessions, catalogue, publish, ActionRunner(allowed), allowed, clock)
    return Desk(service=service, sessions=sessions, clock=clock, published=published)


def add_incident(
    sessions: sessionmaker, *, category: str = "power", root_kind: str | None = "ups", priority: str = "P1",
    alertname: str = "SampleAlert", labels: dict[str, str] | None = None, key: str = "i1",
) -> int:
    """One triggered incident with one firing alert."""
    with sessions() as session, session.begin():
        incident = Incident(
            incident_key=key, group_key=f"g-{key}", title="UPS-1 on battery", severity="critical", status="triggered",
            site="dc1", alert_count=1, opened_at=NOW, updated_at=NOW, category=category, root_kind=root_kind,
            root_component="dc1.ups-1", root_name="1号UPS", priority=priority,
        )
        incident.alerts.append(IncidentAlert(
            fingerprint=f"fp-{key}", source="generic", name=alertname, resource="dc1.ups-1", status="firing",
            severity="critical", labels={"alertname": alertname, **(labels or {})}, annotations={}, starts_at=NOW,
            last_received_at=NOW, component="dc1.ups-1",
        ))
        session.add(incident)
        session.flush()
        return incident.id


def opened(incident_id: int, kind: str = "opened") -> IncidentEvent:
    """The event the writer would announce."""
    return IncidentEvent.from_dict({
        "event_id": f"e-{incident_id}-{kind}", "kind": kind, "incident_id": incident_id, "incident_key": "i",
        "title": "t", "severity": "critical", "status": "triggered", "site": "dc1", "alert_count": 1,
        "occurred_at": "2026-11-01T02:00:00.000Z",
    })
