"""I/O: SQLAlchemy models of silences, maintenance windows and life-safety exceptions.

Rows are never deleted: expiring, cancelling, approving and revoking fill a `*_at` and a `*_by`
column, so the tables are their own audit trail ("who muted the UPS alarms last Tuesday?").
`suppression_revisions` holds one counter every change increments, so a worker's catalogue can
tell with one cheap read whether it must reload (timestamps from several workers' clocks cannot).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from incidents.db import Base, UTCDateTime


class SilenceRow(Base):
    """A silence; `matchers` is a JSON list of {"name", "op", "value"}."""

    __tablename__ = "silences"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    matchers: Mapped[list] = mapped_column(JSON, nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    created_by: Mapped[str] = mapped_column(String(128), nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expired_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    expiry_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    long_open_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MaintenanceWindowRow(Base):
    """A maintenance window; `frequency` is NULL for a one-off window."""

    __tablename__ = "maintenance_windows"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    components: Mapped[list] = mapped_column(JSON, nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    frequency: Mapped[str | None] = mapped_column(String(16), nullable=True)
    weekdays: Mapped[list] = mapped_column(JSON, nullable=False)
    until: Mapped[date | None] = mapped_column(Date, nullable=True)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by: Mapped[str] = mapped_column(String(128), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    cancelled_by: Mapped[str | None] = mapped_column(String(128), nullable=True)


class SafetyExceptionRow(Base):
    """A life-safety exception; it mutes nothing until `approved_by` (not the requester) is set."""

    __tablename__ = "safety_exceptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    safety_class: Mapped[str] = mapped_column(String(32), nullable=False)
    matchers: Mapped[list] = mapped_column(JSON, nullable=False)
    components: Mapped[list] = mapped_column(JSON, nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    requested_by: Mapped[str] = mapped_column(String(128), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    approved_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(128), nullable=True)


class SuppressionRevision(Base):
    """The single row (id 1) whose `revision` grows on every change to the three tables above."""

    __tablename__ = "suppression_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
