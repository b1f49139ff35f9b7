"""Fixtures for notify tests, on the shared `db_url` databases (SQLite always, PostgreSQL when configured).

These build tables with `Base.metadata.create_all` rather than migrations, so notify's tests do
not depend on the migration history.
"""
from __future__ import annotations

from typing import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

import incidents.models  # noqa: F401  (registers the tables the outbox refers to)
import notify.models  # noqa: F401
from incidents.db import Base, create_db_engine, session_factory
from incidents.models import Incident
from streams.clock import FakeClock
from tests.notify.factories import T0


@pytest.fixture
def notify_engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty database (SQLite file or throwaway PostgreSQL schema) holding every table."""
    engine = create_db_engine(db_url)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


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
