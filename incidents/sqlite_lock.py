"""I/O: SQLite's write lock asked for every 0.5–4 ms while it is busy, not by SQLite's busy handler.

Every transaction on SQLite begins IMMEDIATE (incidents/db.py): the write lock is taken at BEGIN,
and a transaction that finds it held waits there. SQLite's own busy handler waits in steps that
grow to 100 ms (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100, … ms). A waiter asleep in a long
step misses the lock's release by up to that much, and a transaction that asks in the meantime
takes the lock first. In a storm's first second the incident writer, in its own process, waited
332 ms for the lock while the worker's pager and escalation transactions held it for 270 ms in
all (docs/benchmarks.md §19).

Here BEGIN IMMEDIATE runs with the busy handler off, and a busy lock is asked for again after a
pause that starts at `LOCK_POLL_FIRST_S` and doubles up to a cap, until `LOCK_WAIT_S` have
passed: the busy timeout it stands in for, after which the last try's "database is locked" goes
to the caller as before. The handler is back on for the transaction's own statements. The
incident writer's cap is the first pause itself, every other engine's `LOCK_POLL_MAX_S`: asked
for by all alike, the lock went to the worker's threads (several of them) as often as to the
writer (one), and the writer still waited ~1 s in all over the storm's first second.
"""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

#: SQLite's busy timeout for every other statement, and the longest wait for the write lock.
BUSY_TIMEOUT_MS = 30_000
LOCK_WAIT_S = BUSY_TIMEOUT_MS / 1000
#: The first pause before the write lock is asked for again, and the longest. The incident writer, on the
#: alert path (alert → incident), keeps to the first (`poll_max_s=LOCK_POLL_FIRST_S`), so it wins most
#: races for the lock against the pager's, the runbooks' and the API's transactions, which back off.
LOCK_POLL_FIRST_S = 0.0005
LOCK_POLL_MAX_S = 0.004


def begin_immediate(
    connection: Connection, *, poll_max_s: float = LOCK_POLL_MAX_S, wait_s: float = LOCK_WAIT_S,
    sleep: Callable[[float], None] = time.sleep, monotonic: Callable[[], float] = time.monotonic,
) -> None:
    """Run BEGIN IMMEDIATE on `connection`; while the lock is busy, ask again (pauses up to `poll_max_s`) for `wait_s`.

    Raises:
        sqlalchemy.exc.OperationalError: the lock stayed busy for `wait_s`, or BEGIN failed otherwise.
    """
    driver = connection.connection.driver_connection
    driver.execute("PRAGMA busy_timeout=0")
    try:
        deadline = monotonic() + wait_s
        pause = LOCK_POLL_FIRST_S
        while True:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as error:
                if not is_busy(error) or monotonic() >= deadline:
                    raise
            sleep(pause)
            pause = min(2 * pause, poll_max_s)
    finally:
        driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def is_busy(error: OperationalError) -> bool:
    """True when SQLite said SQLITE_BUSY (any of its extended codes): another connection holds the lock."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY
