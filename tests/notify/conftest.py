"""Fixtures for notify tests: a fresh schema on SQLite (always) and PostgreSQL (when configured).

These build tables with `Base.metadata.create_all` rather than migrations, so notify's tests do
not depend on the migration history.
"""
from __future__ import annotations

import os
import secrets
from typing import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

import incidents.models  # noqa: F401  (registers the tables the outbox refers to)
import notify.models  # noqa: F401
from incidents.db import Base, create_db_engine, session_factory, sqlalchemy_url
from incidents.models import Incident
from streams.clock import FakeClock
from tests.notify.factories import T0

POSTGRES_ENV = "ALERTDESK_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def notify_engine(request, tmp_path) -> Iterator[Engine]:
    """An engine on an empty schema holding every table: a SQLite file, or a throwaway PostgreSQL schema."""
    if request.param == "sqlite":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'notify.db'}")
        Base.metadata.create_all(engine)
        yield engine
        engine.dispose()
        return
    yield from _postgres_engine()


def _postgres_engine() -> Iterator[Engine]:
    """Create a random schema, point the engine's search_path at it, drop it afterwards."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"set {POSTGRES_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test) to run PostgreSQL tests")
    url = sqlalchemy_url(url)
    schema = f"notify_test_{secrets.token_hex(6)}"
    admin = create_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        pytest.fail(f"{POSTGRES_ENV} is set but PostgreSQL is unreachable: {exc}")
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        Base.metadata.create_all(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sessions(notify_engine) -> sessionmaker:
    """The session factory shells use (no expiry on commit)."""
    return session_factory(notify_engine)


@pytest.fixture
def incident_id(sessions) -> int:
    """The id of one committed incident, so outbox rows satisfy their foreign key."""
    with sessions() as session, session.begin():
        incident = Incident(
            incident_key="inc-dc1-1",
            group_key="site=dc1",
            title="HighTemperature at site dc1",
            severity="critical",
            status="triggered",
            site="dc1",
            alert_count=3,
            opened_at=T0,
            updated_at=T0,
        )
        session.add(incident)
        session.flush()
        return incident.id


@pytest.fixture
def clock() -> FakeClock:
    """A clock that stands still unless a test advances it."""
    return FakeClock(T0)
