"""SQLite's write lock is asked for again on a short, doubling pause, within the busy timeout it stands in for."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError

from incidents.db import _sqlite_pragmas, create_db_engine
from incidents.sqlite_lock import BUSY_TIMEOUT_MS, LOCK_POLL_FIRST_S, LOCK_POLL_MAX_S, begin_immediate, is_busy


class FakeTime:
    """The waiter's clock and sleep: each pause is recorded and moves the clock on; `on_pause` may act."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []
        self.on_pause: Callable[[int], None] = lambda count: None

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds
        self.on_pause(len(self.pauses))


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'lock.db'}"


@pytest.fixture
def holder(url):
    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    yield engine
    engine.dispose()


def waiter_engine(url: str, fake: FakeTime, wait_s: float = 30.0, poll_max_s: float = LOCK_POLL_MAX_S):
    """An engine set up as `create_db_engine` sets one up, whose BEGIN waits on `fake`'s time."""
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", lambda connection: begin_immediate(
        connection, poll_max_s=poll_max_s, wait_s=wait_s, sleep=fake.sleep, monotonic=lambda: fake.now))
    return engine


def busy_timeout(connection) -> int:
    return connection.connection.driver_connection.execute("PRAGMA busy_timeout").fetchone()[0]


@pytest.mark.parametrize(("poll_max_s", "pauses"), [
    (LOCK_POLL_MAX_S, [LOCK_POLL_FIRST_S, 2 * LOCK_POLL_FIRST_S, 4 * LOCK_POLL_FIRST_S, LOCK_POLL_MAX_S,
                       LOCK_POLL_MAX_S]),
    (LOCK_POLL_FIRST_S, [LOCK_POLL_FIRST_S] * 5),  # the incident writer's engine
])
def test_a_busy_lock_is_asked_for_again_after_doubling_pauses_and_taken_once_free(url, holder, poll_max_s, pauses):
    held = holder.connect()
    held.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock until it commits
    fake = FakeTime()
    fake.on_pause = lambda count: held.commit() if count == 5 else None
    waiter = waiter_engine(url, fake, poll_max_s=poll_max_s)
    with waiter.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (2)"))
        assert busy_timeout(connection) == BUSY_TIMEOUT_MS
    held.close()
    assert fake.pauses == pauses
    with waiter.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 2
    waiter.dispose()


def test_a_lock_busy_past_the_wait_raises_sqlalchemys_error_and_leaves_the_connection_usable(url, holder):
    held = holder.connect()
    held.execute(text("INSERT INTO t VALUES (1)"))
    fake = FakeTime()
    waiter = waiter_engine(url, fake, wait_s=0.01)
    with waiter.connect() as connection:
        with pytest.raises(OperationalError) as raised:
            connection.execute(text("SELECT count(*) FROM t"))
        assert is_busy(raised.value)
        assert 0.01 <= fake.now < 0.01 + LOCK_POLL_MAX_S
        assert busy_timeout(connection) == BUSY_TIMEOUT_MS
    held.rollback()
    held.close()
    with waiter.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
    waiter.dispose()


def test_an_error_other_than_busy_is_raised_at_once(url, holder):
    fake = FakeTime()
    waiter = waiter_engine(url, fake)
    with waiter.connect() as connection:
        connection.connection.driver_connection.execute("BEGIN")  # a transaction SQLAlchemy does not know of
        with pytest.raises(OperationalError) as raised:
            connection.execute(text("SELECT 1"))
        assert not is_busy(raised.value)
        assert fake.pauses == []
        assert busy_timeout(connection) == BUSY_TIMEOUT_MS
    waiter.dispose()
