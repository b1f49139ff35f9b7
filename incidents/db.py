"""I/O: the declarative base, an aware-UTC datetime column type, and engine/session factories.

SQLite (the embedded default, under ./var/) and PostgreSQL (production) share one schema;
only the URL differs. Sessions belong to shells: store functions take `session` and never commit.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, TypeVar

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from incidents.sqlite_lock import BUSY_TIMEOUT_MS, LOCK_POLL_MAX_S, begin_immediate
from streams.retry import RetryPolicy


class Base(DeclarativeBase):
    """Declarative base of every alertdesk table (incidents, notify, runbooks share one metadata)."""


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC, and refuses naive input (the usual source of off-by-8h bugs)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        """Convert an aware datetime to naive UTC for storage."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        """Mark a stored value as UTC."""
        return value.replace(tzinfo=timezone.utc) if value is not None else None


def sqlalchemy_url(url: str) -> str:
    """Return `url` with a plain `postgresql://` (or `postgres://`) scheme turned into `postgresql+psycopg://`.

    Operators paste libpq URLs; SQLAlchemy would otherwise pick psycopg2, which is not installed.
    Any other URL (SQLite, an explicit driver) is returned unchanged.
    """
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


def create_db_engine(url: str, *, lock_poll_max_s: float = LOCK_POLL_MAX_S) -> Engine:
    """Create an engine for `url`; for SQLite, create the parent folder and enable WAL and foreign keys.

    On SQLite, a transaction that finds the write lock held asks again after pauses of up to
    `lock_poll_max_s` (incidents/sqlite_lock.py); the incident writer asks more often than the rest.

    Raises:
        sqlalchemy.exc.ArgumentError: if the URL is not a database URL.
    """
    url = sqlalchemy_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", lambda connection: _sqlite_begin(connection, lock_poll_max_s))
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, pool_timeout=10)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets the API read while the writer writes; foreign keys are off by default in SQLite.

    The driver's own transaction handling is switched off (`_sqlite_begin` emits BEGIN instead):
    left on, it starts no transaction before a SAVEPOINT, so releasing the savepoint commits, and a
    session rollback after `begin_nested()` silently keeps the writes.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin(connection, lock_poll_max_s: float) -> None:
    """Start the transaction SQLAlchemy asked for (see `_sqlite_pragmas`), holding the write lock from the start.

    A deferred BEGIN reads a WAL snapshot and fails at once with "database is locked" when it
    later writes after another connection committed (the busy timeout cannot help: its snapshot
    is stale). The pager, the timer loop, Twilio's callbacks and the writer all read then write,
    concurrently, so every transaction is IMMEDIATE and waits its turn instead, asking for the
    lock again every `lock_poll_max_s` at most (incidents/sqlite_lock.py).
    """
    begin_immediate(connection, poll_max_s=lock_poll_max_s)


def session_factory(engine: Engine) -> sessionmaker:
    """Return the session factory shells open their transactions with."""
    return sessionmaker(bind=engine, expire_on_commit=False)


Row = TypeVar("Row")


def insert_unless_taken(session: Session, row: Row, taken: Callable[[], Row | None]) -> Row:
    """Insert `row` in a SAVEPOINT; if a concurrent worker committed the same unique key first, return theirs.

    `taken` looks the key up. An IntegrityError it cannot explain (another constraint: a missing
    parent row, say) is a real error and is raised.
    """
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = taken()
        if existing is None:
            raise
        return existing
    return row


#: How agents wait out a database that is briefly away (restart, failover): ~30 s, then dead-letter.
DATABASE_RETRY = RetryPolicy(transient=(OperationalError,), attempts=8, first_delay_s=0.2, max_delay_s=5.0)
