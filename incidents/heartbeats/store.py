"""I/O: reads and writes of the `heartbeats` table; the decisions come from `incidents.heartbeats.schedule`.

Functions take the session keyword-only and never commit: the monitor owns the transaction,
because it must produce a report between changing a row and committing the change.

Several workers share the table. On PostgreSQL the rows a transaction is about to change are
locked: a ping locks its row before reading it (`lock`) and so waits for a check holding it;
a check claims overdue rows with `FOR UPDATE SKIP LOCKED`, leaving a row another worker is
already reporting to that worker. SQLite has one writer at a time: `lock` takes the database's
write lock, and a check whose snapshot went stale before its first write fails with
`OperationalError`, which the monitor retries.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from incidents.heartbeats.models import Heartbeat
from incidents.heartbeats.schedule import (
    HeartbeatRecord,
    HeartbeatSpec,
    HeartbeatState,
    SyncPlan,
    overdue,
    plan_sync,
)

_NOT_MISSED = Heartbeat.state != str(HeartbeatState.MISSED)


def list_all(*, session: Session) -> list[HeartbeatRecord]:
    """Every stored heartbeat, in name order."""
    return _records(session, select(Heartbeat).order_by(Heartbeat.name))


def get(*, session: Session, name: str) -> HeartbeatRecord | None:
    """The heartbeat called `name`, or None."""
    found = _records(session, select(Heartbeat).where(Heartbeat.name == name))
    return found[0] if found else None


def lock(*, session: Session, name: str) -> None:
    """Hold the heartbeat `name` for this transaction; call it before reading the row.

    An UPDATE that changes nothing is the lock on both databases: a row lock on PostgreSQL and
    the write lock on SQLite, and on both it waits for the holder. (A SQLite transaction that
    reads first and writes later cannot wait: it fails at once when another writer holds the lock.)
    """
    session.execute(update(Heartbeat).where(Heartbeat.name == name).values(updated_at=Heartbeat.updated_at))


def sync(*, session: Session, specs: Iterable[HeartbeatSpec], now: datetime) -> SyncPlan:
    """Bring the rows in line with the configured `specs` (`schedule.plan_sync`) and return the plan applied.

    The caller produces `plan.resolve` before committing. An insert that another worker made
    first is skipped (ON CONFLICT DO NOTHING), so workers starting together do not fail.
    """
    plan = plan_sync(specs, list_all(session=session), now)
    if plan.insert:
        rows = [_new_row(spec, now) for spec in plan.insert]
        session.execute(_insert(session).values(rows).on_conflict_do_nothing(index_elements=["name"]))
    for spec in plan.update:
        _set(session, spec.name, now, interval_seconds=spec.interval_seconds, labels=dict(spec.labels))
    for name in plan.rearm:
        record = get(session=session, name=name)
        state = HeartbeatState.OK if record and record.last_ping_at else HeartbeatState.WAITING
        _set(session, name, now, state=str(state), missed_since=None)
    if plan.delete:
        session.execute(delete(Heartbeat).where(Heartbeat.name.in_(plan.delete)))
    return plan


def ping(*, session: Session, name: str, now: datetime) -> HeartbeatRecord | None:
    """Record a ping of `name` at `now` and return the heartbeat as it was before (None if there is none).

    The row is locked first, so a ping waits for a check that holds it and then sees its result.
    """
    lock(session=session, name=name)
    before = get(session=session, name=name)
    if before is not None:
        _set(session, name, now, state=str(HeartbeatState.OK), last_ping_at=now, missed_since=None)
    return before


def claim_overdue(*, session: Session, now: datetime, started_at: datetime) -> list[HeartbeatRecord]:
    """The heartbeats that are overdue at `now` and not yet missed, locked for this transaction.

    Found first without locks (the common answer is none), then locked with SKIP LOCKED and
    checked again: a ping may have landed in between, and another worker may hold a row.
    """
    candidates = overdue(
        _records(session, select(Heartbeat).where(_NOT_MISSED)), now, started_at
    )
    if not candidates:
        return []
    locked = (
        select(Heartbeat)
        .where(Heartbeat.name.in_([record.name for record in candidates]), _NOT_MISSED)
        .with_for_update(skip_locked=True)
    )
    return overdue(_records(session, locked), now, started_at)


def mark_missed(*, session: Session, name: str, since: datetime, now: datetime) -> None:
    """Record that the heartbeat's ping due at `since` did not come: its alert is firing."""
    _set(session, name, now, state=str(HeartbeatState.MISSED), missed_since=since)


def count_missed(*, session: Session) -> int:
    """How many heartbeats are missed now (for the gauge)."""
    return session.scalar(select(func.count()).select_from(Heartbeat).where(~_NOT_MISSED))


def _records(session: Session, query: Select) -> list[HeartbeatRecord]:
    # populate_existing: a row read again (now locked) must show its latest values, not the session's cached ones.
    rows: Iterable[Heartbeat] = session.scalars(query.execution_options(populate_existing=True))
    return [
        HeartbeatRecord(
            name=row.name,
            interval_seconds=row.interval_seconds,
            labels=dict(row.labels),
            state=HeartbeatState(row.state),
            created_at=row.created_at,
            last_ping_at=row.last_ping_at,
            missed_since=row.missed_since,
        )
        for row in rows
    ]


def _set(session: Session, name: str, now: datetime, **values) -> None:
    session.execute(update(Heartbeat).where(Heartbeat.name == name).values(updated_at=now, **values))


def _insert(session: Session):
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(Heartbeat)


def _new_row(spec: HeartbeatSpec, now: datetime) -> dict:
    return {
        "name": spec.name,
        "interval_seconds": spec.interval_seconds,
        "labels": dict(spec.labels),
        "state": str(HeartbeatState.WAITING),
        "created_at": now,
        "updated_at": now,
    }
