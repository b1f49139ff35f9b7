"""Fixtures for end-to-end tests: a work folder per test and database URLs for the child pipeline."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from incidents.db import sqlalchemy_url
from tests.prerequisites import postgres_url

#: The single-worker pipelines of these tests leave their group only when stopped, so a shorter
#: session timeout than the default 10 s risks nothing and shortens every start.
E2E_SESSION_TIMEOUT_S = 6.0


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a child pipeline on SQLite in the test's own folder."""
    return {
        "ALERTDESK_DATA_DIR": str(tmp_path / "var"),
        "ALERTDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'alertdesk.db'}",
        "ALERTDESK_LOG_LEVEL": "warning",
        # tansu answers a consumer group's first join after half the session timeout: 3 s instead of
        # the default's 5 s at every start of a single worker (research/perf-anchors.md §2).
        "ALERTDESK_SESSION_TIMEOUT_S": str(E2E_SESSION_TIMEOUT_S),
    }


@pytest.fixture
def postgres_env(tmp_path: Path):
    """Environment for a child pipeline on PostgreSQL, in a schema of its own that is dropped afterwards."""
    url = postgres_url()
    schema = f"e2e_{uuid.uuid4().hex[:10]}"
    admin = create_engine(sqlalchemy_url(url))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    yield {
        "ALERTDESK_DATA_DIR": str(tmp_path / "var"),
        "ALERTDESK_DATABASE_URL": f"{sqlalchemy_url(url)}{separator}options=-csearch_path%3D{schema}",
        "ALERTDESK_LOG_LEVEL": "warning",
    }
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
