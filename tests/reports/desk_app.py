"""I/O: the reports' and handovers' routers on a FastAPI app guarded by the real access middleware, for API tests.

People sign in with a password (session cookie + CSRF header), as the desk's browsers do; what the
handover service publishes is collected in a list.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from access import store as access_store
from access.web import AccessService, access_router, install_access
from alertdesk.reports import report_routers
from alertdesk.settings import Settings
from incidents.events import IncidentEvent
from streams.clock import FakeClock

PEOPLE = {"zhang.wei": "operator", "li.na": "operator", "vic": "viewer", "ada": "admin"}
PASSWORD = "correct-horse-9"


@dataclass
class ReportDesk:
    """The app, its clock and what it published."""

    app: FastAPI
    clock: FakeClock
    published: list[IncidentEvent] = field(default_factory=list)

    def login(self, username: str) -> TestClient:
        """A client signed in as `username`, sending the session's CSRF token on every request."""
        client = TestClient(self.app)
        response = client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
        assert response.status_code == 303, response.text
        client.headers["X-CSRF-Token"] = client.get("/api/me").json()["csrf_token"]
        return client


def report_desk(sessions: sessionmaker, now: datetime, *, language: str | None = None) -> ReportDesk:
    """Four users (two operators, a viewer, an admin) and the report and handover routes, at `now`."""
    clock = FakeClock(now)
    with sessions.begin() as session:
        for username, role in PEOPLE.items():
            access_store.add_user(
                session=session, username=username, role=role, password=PASSWORD, now=now, language=language
            )
    app = FastAPI()
    service = AccessService(sessions, clock)
    install_access(app, service)
    app.include_router(access_router(service))
    desk = ReportDesk(app=app, clock=clock)

    async def publish(event: IncidentEvent) -> None:
        desk.published.append(event)

    for router in report_routers(Settings(), sessions, clock, publish):
        app.include_router(router)
    return desk
