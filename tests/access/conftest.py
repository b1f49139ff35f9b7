"""Fixtures of the access tests: a guarded FastAPI app on a migrated database, with a fake clock and three users."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import APIRouter, Depends, FastAPI, Form
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from access import store
from access.web import AccessConfig, AccessService, Principal, Role, access_router, install_access, require
from streams.clock import FakeClock

PASSWORDS = {"ada": "admin-pass-1", "oli": "operator-pass-1", "vic": "viewer-pass-1"}
ROLES = {"ada": Role.ADMIN, "oli": Role.OPERATOR, "vic": Role.VIEWER}


def demo_router() -> APIRouter:
    """Stand-ins for the routes other packages guard: a read, an operator's action, a form, a page."""
    router = APIRouter()

    @router.get("/api/things")
    def things() -> dict:
        return {"items": []}

    @router.post("/api/incidents/{incident_id}/ack")
    def ack(incident_id: int, principal: Principal = Depends(require(Role.OPERATOR))) -> dict:
        return {"incident_id": incident_id, "by": principal.username}

    @router.post("/incidents/{incident_id}/note")
    def note(incident_id: int, text: str = Form(...), principal: Principal = Depends(require(Role.OPERATOR))) -> dict:
        return {"incident_id": incident_id, "text": text, "by": principal.username}

    @router.get("/board")
    def board(principal: Principal = Depends(require(Role.VIEWER))) -> dict:
        return {"hello": principal.display_name}

    @router.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    return router


@dataclass
class Desk:
    """The guarded app, its clock and its access service."""

    app: FastAPI
    clock: FakeClock
    service: AccessService
    sessions: sessionmaker

    def client(self) -> TestClient:
        """A fresh client (its own cookie jar)."""
        return TestClient(self.app)

    def login(self, username: str) -> TestClient:
        """A client signed in as `username`."""
        client = self.client()
        response = client.post("/login", data={"username": username, "password": PASSWORDS[username]},
                               follow_redirects=False)
        assert response.status_code == 303, response.text
        return client

    def csrf(self, client: TestClient) -> dict[str, str]:
        """The CSRF header of a signed-in client's session."""
        return {"X-CSRF-Token": client.get("/api/me").json()["csrf_token"]}


def make_desk(sessions: sessionmaker, config: AccessConfig = AccessConfig()) -> Desk:
    """Three users and an app guarded by access."""
    clock = FakeClock()
    with sessions.begin() as session:
        for username, password in PASSWORDS.items():
            store.add_user(session=session, username=username, role=ROLES[username].value, password=password,
                           now=clock.now(), display_name=username.title())
    service = AccessService(sessions, clock, config)
    app = FastAPI()
    install_access(app, service)
    app.include_router(access_router(service))
    app.include_router(demo_router())
    return Desk(app=app, clock=clock, service=service, sessions=sessions)


@pytest.fixture
def desk(migrated_db) -> Iterator[Desk]:
    """The guarded app on SQLite and PostgreSQL."""
    _, sessions = migrated_db
    yield make_desk(sessions)
