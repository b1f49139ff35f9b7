"""I/O: SQLAlchemy models of the system of record: incidents, their alerts, and their timeline.

Unique keys make the incident writer idempotent: `incidents.incident_key` (one row per
occurrence of a group), a partial unique index allowing one open incident per `group_key`,
`incident_alerts (incident_id, fingerprint)`, and `timeline_events.event_id`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incidents.db import Base, UTCDateTime

OPEN_STATUSES = ("triggered", "acknowledged")


class Incident(Base):
    """One incident: a correlation group's occurrence, from opening to resolution."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index(
            "uq_incidents_open_group",
            "group_key",
            unique=True,
            sqlite_where=text("status != 'resolved'"),
            postgresql_where=text("status != 'resolved'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    group_key: Mapped[str] = mapped_column(String(512), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(512), nullable=False)
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    site: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    alert_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    alerts: Mapped[list["IncidentAlert"]] = relationship(
        back_populates="incident", order_by="IncidentAlert.id", cascade="all, delete-orphan"
    )
    timeline: Mapped[list["TimelineEvent"]] = relationship(
        back_populates="incident", order_by="TimelineEvent.id", cascade="all, delete-orphan"
    )


class IncidentAlert(Base):
    """An alert attached to an incident, with its latest state."""

    __tablename__ = "incident_alerts"
    __table_args__ = (UniqueConstraint("incident_id", "fingerprint", name="uq_incident_alerts_fp"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    source: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(256), nullable=False)
    resource: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    labels: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    annotations: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    incident: Mapped[Incident] = relationship(back_populates="alerts")


class TimelineEvent(Base):
    """One entry of an incident's timeline: what happened, when, caused by whom and by which command."""

    __tablename__ = "timeline_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True)
    command_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(128), nullable=False, default="system")
    origin: Mapped[str] = mapped_column(String(16), nullable=False, default="system")
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")

    incident: Mapped[Incident] = relationship(back_populates="timeline")
