"""I/O: silences, maintenance windows and safety exceptions in the database, as the pure objects of streams/alerts.

Functions take `session` keyword-only and never commit: the API handler or CLI command owns the
transaction. Every change bumps the suppression revision in the same transaction, so a
catalogue that sees the new revision also sees the change.

Raises (every function): sqlalchemy errors from the database; `ValueError` (from the pure
objects) when a change would make an invalid silence, window or exception.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Iterable, Sequence

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from incidents.silences.models import MaintenanceWindowRow, SafetyExceptionRow, SilenceRow, SuppressionRevision
from streams.alerts.maintenance import Frequency, MaintenanceWindow, Recurrence
from streams.alerts.matchers import Matcher
from streams.alerts.safety import SafetyException
from streams.alerts.silences import ReminderKind, Silence, SilenceState

_REVISION_ROW = 1


def current_revision(*, session: Session) -> int:
    """The suppression revision: it grows on every change to silences, windows or exceptions."""
    return session.scalar(select(SuppressionRevision.revision).where(SuppressionRevision.id == _REVISION_ROW)) or 0


def add_silence(*, session: Session, silence: Silence) -> None:
    """Store a new silence."""
    session.add(SilenceRow(
        id=silence.id, matchers=_matchers_json(silence.matchers), starts_at=silence.starts_at,
        ends_at=silence.ends_at, created_by=silence.created_by, comment=silence.comment,
        created_at=silence.created_at, updated_at=silence.created_at,
    ))
    _bump(session)


def get_silence(*, session: Session, silence_id: str) -> Silence | None:
    """One silence, or None."""
    row = session.get(SilenceRow, silence_id)
    return None if row is None else _silence(row)


def list_silences(*, session: Session, now: datetime, state: SilenceState | None = None) -> list[Silence]:
    """Silences in `state` at `now` (all when None), newest first."""
    rows = session.scalars(select(SilenceRow).order_by(SilenceRow.created_at.desc(), SilenceRow.id)).all()
    silences = [_silence(row) for row in rows]
    return silences if state is None else [silence for silence in silences if silence.state(now) is state]


def expire_silence(*, session: Session, silence_id: str, by: str, now: datetime) -> Silence | None:
    """End a silence now, recording who; an already expired one is returned unchanged. None if unknown."""
    row = session.get(SilenceRow, silence_id, with_for_update=True)
    if row is None:
        return None
    if _silence(row).state(now) is not SilenceState.EXPIRED:
        row.expired_at, row.expired_by, row.updated_at = now, by, now
        _bump(session)
    return _silence(row)


def mark_reminded(*, session: Session, silence_id: str, kind: ReminderKind, now: datetime) -> None:
    """Record that a reminder of `kind` went out, so `reminders_due` does not repeat it."""
    column = SilenceRow.expiry_reminded_at if kind is ReminderKind.EXPIRING else SilenceRow.long_open_reminded_at
    session.execute(update(SilenceRow).where(SilenceRow.id == silence_id).values({column: now}))


def add_window(*, session: Session, window: MaintenanceWindow) -> None:
    """Store a new maintenance window."""
    recurrence = window.recurrence
    session.add(MaintenanceWindowRow(
        id=window.id, components=list(window.components), starts_at=window.starts_at, ends_at=window.ends_at,
        frequency=None if recurrence is None else recurrence.frequency.value,
        weekdays=[] if recurrence is None else list(recurrence.weekdays),
        until=None if recurrence is None else recurrence.until, timezone=window.timezone,
        created_by=window.created_by, reason=window.reason, created_at=window.created_at,
        updated_at=window.created_at,
    ))
    _bump(session)


def get_window(*, session: Session, window_id: str) -> MaintenanceWindow | None:
    """One maintenance window, or None."""
    row = session.get(MaintenanceWindowRow, window_id)
    return None if row is None else _window(row)


def list_windows(*, session: Session, include_cancelled: bool = True) -> list[MaintenanceWindow]:
    """Maintenance windows, soonest first; the caller sorts them into running, scheduled and finished."""
    query = select(MaintenanceWindowRow).order_by(MaintenanceWindowRow.starts_at, MaintenanceWindowRow.id)
    if not include_cancelled:
        query = query.where(MaintenanceWindowRow.cancelled_at.is_(None))
    return [_window(row) for row in session.scalars(query).all()]


def cancel_window(*, session: Session, window_id: str, by: str, now: datetime) -> MaintenanceWindow | None:
    """Cancel a window now (a running occurrence ends, no more follow); None if unknown."""
    row = session.get(MaintenanceWindowRow, window_id, with_for_update=True)
    if row is None:
        return None
    if row.cancelled_at is None:
        row.cancelled_at, row.cancelled_by, row.updated_at = now, by, now
        _bump(session)
    return _window(row)


def add_exception(*, session: Session, exception: SafetyException) -> None:
    """Store a new (unapproved) safety exception."""
    session.add(SafetyExceptionRow(
        id=exception.id, safety_class=exception.safety_class.value, matchers=_matchers_json(exception.matchers),
        components=list(exception.components), starts_at=exception.starts_at, ends_at=exception.ends_at,
        requested_by=exception.requested_by, reason=exception.reason, created_at=exception.created_at,
        updated_at=exception.created_at,
    ))
    _bump(session)


def get_exception(*, session: Session, exception_id: str) -> SafetyException | None:
    """One safety exception, or None."""
    row = session.get(SafetyExceptionRow, exception_id)
    return None if row is None else _exception(row)


def list_exceptions(*, session: Session) -> list[SafetyException]:
    """Safety exceptions, newest first."""
    query = select(SafetyExceptionRow).order_by(SafetyExceptionRow.created_at.desc(), SafetyExceptionRow.id)
    return [_exception(row) for row in session.scalars(query).all()]


def approve_exception(*, session: Session, exception_id: str, by: str, now: datetime) -> SafetyException | None:
    """Approve as `by`, who must not be the requester (ValueError); approving twice keeps the first approver."""
    row = session.get(SafetyExceptionRow, exception_id, with_for_update=True)
    if row is None:
        return None
    if row.approved_by is None:
        approved = replace(_exception(row), approved_by=by, approved_at=now)
        row.approved_by, row.approved_at, row.updated_at = approved.approved_by, now, now
        _bump(session)
    return _exception(row)


def revoke_exception(*, session: Session, exception_id: str, by: str, now: datetime) -> SafetyException | None:
    """Withdraw an exception now; None if unknown."""
    row = session.get(SafetyExceptionRow, exception_id, with_for_update=True)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by, row.updated_at = now, by, now
        _bump(session)
    return _exception(row)


def load_in_force(
    *, session: Session, now: datetime
) -> tuple[list[Silence], list[MaintenanceWindow], list[SafetyException]]:
    """What may mute an alert at `now` or later: unexpired silences, uncancelled windows, open exceptions."""
    silences = session.scalars(
        select(SilenceRow).where(
            SilenceRow.ends_at > now, or_(SilenceRow.expired_at.is_(None), SilenceRow.expired_at > now)
        )
    ).all()
    exceptions = session.scalars(
        select(SafetyExceptionRow).where(SafetyExceptionRow.ends_at > now, SafetyExceptionRow.revoked_at.is_(None))
    ).all()
    windows = list_windows(session=session, include_cancelled=False)
    return [_silence(row) for row in silences], windows, [_exception(row) for row in exceptions]


def _bump(session: Session) -> None:
    """Increment the revision row (created by the migration; created here on a schema made by `create_all`)."""
    bumped = session.execute(
        update(SuppressionRevision)
        .where(SuppressionRevision.id == _REVISION_ROW)
        .values(revision=SuppressionRevision.revision + 1)
    )
    if bumped.rowcount == 0:
        session.add(SuppressionRevision(id=_REVISION_ROW, revision=1))
    session.flush()


def _matchers_json(matchers: Iterable[Matcher]) -> list[dict[str, str]]:
    return [{"name": matcher.name, "op": matcher.op.value, "value": matcher.value} for matcher in matchers]


def _matchers(items: Sequence[dict[str, str]]) -> tuple[Matcher, ...]:
    return tuple(Matcher(item["name"], item["op"], item["value"]) for item in items)


def _silence(row: SilenceRow) -> Silence:
    return Silence(
        id=row.id, matchers=_matchers(row.matchers), starts_at=row.starts_at, ends_at=row.ends_at,
        created_by=row.created_by, comment=row.comment, created_at=row.created_at, expired_at=row.expired_at,
        expired_by=row.expired_by, expiry_reminded_at=row.expiry_reminded_at,
        long_open_reminded_at=row.long_open_reminded_at,
    )


def _window(row: MaintenanceWindowRow) -> MaintenanceWindow:
    recurrence = None if row.frequency is None else Recurrence(Frequency(row.frequency), tuple(row.weekdays), row.until)
    return MaintenanceWindow(
        id=row.id, components=tuple(row.components), starts_at=row.starts_at, ends_at=row.ends_at,
        recurrence=recurrence, timezone=row.timezone, created_by=row.created_by, reason=row.reason,
        created_at=row.created_at, cancelled_at=row.cancelled_at,
    )


def _exception(row: SafetyExceptionRow) -> SafetyException:
    return SafetyException(
        id=row.id, safety_class=row.safety_class, matchers=_matchers(row.matchers), components=tuple(row.components),
        starts_at=row.starts_at, ends_at=row.ends_at, requested_by=row.requested_by, reason=row.reason,
        created_at=row.created_at, approved_by=row.approved_by, approved_at=row.approved_at,
        revoked_at=row.revoked_at,
    )
