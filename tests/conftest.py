"""Shared fixtures: a database URL for each backend (SQLite file, isolated PostgreSQL schema) and a migrated database.

PostgreSQL comes from ALERTDESK_TEST_POSTGRES_URL. Unset: PostgreSQL tests skip. Set but
unreachable: they fail, so a broken CI database never passes as "skipped".
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from alertdesk.db_migrate import upgrade
from incidents.db import create_db_engine, session_factory, sqlalchemy_url

POSTGRES_ENV = "ALERTDESK_TEST_POSTGRES_URL"
POSTGRES_SKIP = (
    f"set {POSTGRES_ENV} to a PostgreSQL URL (e.g. postgresql://postgres@127.0.0.1:5432/test) "
    "to run PostgreSQL tests"
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database: a fresh SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'alertdesk.db'}"
    else:
        yield from _postgres_schema()


@pytest.fixture
def migrated_db(db_url: str) -> Iterator[tuple[Engine, sessionmaker]]:
    """(engine, session factory) of a database upgraded to the newest schema."""
    upgrade(db_url)
    engine = create_db_engine(db_url)
    yield engine, session_factory(engine)
    engine.dispose()


def _postgres_schema() -> Iterator[str]:
    """Create a uniquely named schema, yield a URL whose search_path is that schema, then drop it."""
    raw = os.environ.get(POSTGRES_ENV)
    if not raw:
        pytest.skip(POSTGRES_SKIP)
    base = sqlalchemy_url(raw)
    schema = f"test_{secrets.token_hex(6)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        pytest.fail(f"{POSTGRES_ENV} is set but PostgreSQL is unreachable: {exc}", pytrace=False)
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
