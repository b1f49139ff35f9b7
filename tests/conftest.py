"""Shared fixtures: a database URL for each backend (SQLite file, isolated PostgreSQL schema) and a migrated database.

PostgreSQL comes from ALERTDESK_TEST_POSTGRES_URL. Unset: PostgreSQL tests skip (and fail in
CI, see tests/prerequisites.py). Set but unreachable: they fail, so a broken CI database never
passes as "skipped".
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
from streams.broker import EmbeddedBroker
from tests.prerequisites import MISSING, NO_SKIP_ENV, POSTGRES_ENV, postgres_url


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With ALERTDESK_TEST_NO_SKIP set (CI), a skip for a missing prerequisite is a failure."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get(NO_SKIP_ENV) and report.skipped and MISSING in str(report.longrepr):
        report.outcome = "failed"


@pytest.fixture(scope="session")
def embedded_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    """One started tansu broker for the whole session; tests must not stop it (use `fresh_broker`)."""
    with EmbeddedBroker(log_path=tmp_path_factory.mktemp("tansu") / "tansu.log") as broker:
        yield broker


@pytest.fixture
def fresh_broker(tmp_path) -> Iterator[EmbeddedBroker]:
    """A broker of the test's own, for tests that stop or restart it."""
    with EmbeddedBroker(log_path=tmp_path / "tansu.log") as broker:
        yield broker


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
    base = sqlalchemy_url(postgres_url())
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
