"""I/O: SQLAlchemy models of the system of record: incidents, their alerts, and their timeline.

Unique keys make the incident writer idempotent: `incidents.incident_key` (one row per
occurrence of a group), a partial unique index allowing one open incident per `group_key`
(neither resolved nor closed), `incident_alerts (incident_id, fingerprint)`, and
`timeline_events.event_id`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
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
from incidents.events import EventKind, IncidentEvent
from streams.alerts.model import Severity
from streams.correlation.commands import IncidentFacts

OPEN_STATUSES = ("triggered", "acknowledged")
#: The index condition of "open": kept in step with OPEN_STATUSES (and migration 0006).
OPEN_GROUP_WHERE = "status NOT IN ('resolved', 'closed')"


class Incident(Base):
    """One incident: a correlation group's occurrence, from opening to resolution."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index(
            "uq_incidents_open_group",
            "group_key",
            unique=True,
            sqlite_where=text(OPEN_GROUP_WHERE),
            postgresql_where=text(OPEN_GROUP_WHERE),
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
    # What people did (incidents.actions): who acknowledged, who it is assigned to, when it was closed.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    assignee: Mapped[str | None] = mapped_column(String(128), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set when correlation merged this incident into another (its alerts moved there; status closed).
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), nullable=True, index=True)
    # What correlation knows (streams.correlation.commands.IncidentFacts), kept current by the writer.
    scope: Mapped[str] = mapped_column(String(128), nullable=False, default="", index=True)
    root_component: Mapped[str | None] = mapped_column(String(256), nullable=True)
    root_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    root_name: Mapped[str | None] = mapped_column(String(256), nullable=True)
    category: Mapped[str] = mapped_column(String(32), nullable=False, default="other")
    inferred_root: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    impact: Mapped[str] = mapped_column(String(8), nullable=False, default="low")
    urgency: Mapped[str] = mapped_column(String(8), nullable=False, default="low")
    priority: Mapped[str] = mapped_column(String(4), nullable=False, default="P5", index=True)
    major: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, index=True)
    major_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    services: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    affected_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # SLA clocks (incidents.sla, docs/sla.md): the calendar and deadlines, counted from opened_at and set again when
    # the priority changes; the warn instants are the monitor's durable timers, the *_warned_at / *_breached_at
    # marks say when it announced them (None: not yet, or no longer true under a changed priority).
    sla_calendar: Mapped[str | None] = mapped_column(String(64), nullable=True)
    response_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolution_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    response_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    response_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolution_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolution_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Who reported it when a person did (a phone call to the desk); None for incidents opened by alerts.
    reported_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # A drill (runbooks/drills.py): a synthetic incident; the pager pages only `drill_participants` (person ids).
    drill: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=text("false"))
    drill_participants: Mapped[list] = mapped_column(JSON, nullable=False, default=list, server_default=text("'[]'"))

    @property
    def facts(self) -> IncidentFacts:
        """Correlation's view of the incident as recorded (the inverse of `record_facts`)."""
        return IncidentFacts(
            root=self.root_component,
            root_kind=self.root_kind,
            root_name=self.root_name,
            category=self.category,
            inferred=self.inferred_root,
            impact=self.impact,
            urgency=self.urgency,
            priority=self.priority,
            major=self.major,
            major_reason=self.major_reason,
            services=tuple(self.services or ()),
            affected=self.affected_count,
        )

    def record_facts(self, facts: IncidentFacts) -> None:
        """Copy correlation's view onto the row; a declared major incident stays major."""
        self.root_component = facts.root
        self.root_kind = facts.root_kind
        self.root_name = facts.root_name
        self.category = facts.category
        self.inferred_root = facts.inferred
        self.impact = facts.impact
        self.urgency = facts.urgency
        self.priority = facts.priority
        self.major = bool(self.major) or facts.major
        self.major_reason = self.major_reason or facts.major_reason
        self.services = list(facts.services)
        self.affected_count = facts.affected

    alerts: Mapped[list["IncidentAlert"]] = relationship(
        back_populates="incident", order_by="IncidentAlert.id", cascade="all, delete-orphan"
    )
    timeline: Mapped[list["TimelineEvent"]] = relationship(
        back_populates="incident", order_by="TimelineEvent.id", cascade="all, delete-orphan"
    )


class IncidentLink(Base):
    """Two incidents a person said are related ("same cause as #12"): one row per pair, smaller id first."""

    __tablename__ = "incident_links"
    __table_args__ = (UniqueConstraint("incident_id", "other_id", name="uq_incident_links_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True)
    created_by: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


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
    component: Mapped[str | None] = mapped_column(String(256), nullable=True)
    # A symptom's cause is the incident's root: it is inhibited from paging on its own.
    symptom: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

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

    def as_event(self) -> IncidentEvent:
        """The announcement of this entry on `incidents.events`, with its incident's current state."""
        return incident_event(self.incident, event_id=self.event_id, kind=self.kind, occurred_at=self.occurred_at,
                              detail=self.detail, actor=self.actor, origin=self.origin)


def incident_event(
    incident: Incident, *, event_id: str, kind: str, occurred_at: datetime, detail: str, actor: str, origin: str
) -> IncidentEvent:
    """A timeline entry of `incident` (its row's columns) as announced on `incidents.events`, with the incident now."""
    return IncidentEvent(
        event_id=event_id,
        kind=EventKind(kind),
        incident_id=incident.id,
        incident_key=incident.incident_key,
        title=incident.title,
        severity=Severity(incident.severity),
        status=incident.status,
        site=incident.site,
        alert_count=incident.alert_count,
        occurred_at=occurred_at,
        detail=detail,
        priority=incident.priority,
        major=incident.major,
        root=incident.root_component,
        actor=actor,
        via=origin,
    )


class CorrelationHold(Base):
    """An alert correlation holds back for a hold-down or group window, so a restart can resume the wait.

    `change_id` is the id correlation continues the alert under after a restart (the HOLD command's id).
    """

    __tablename__ = "correlation_holds"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    change_id: Mapped[str] = mapped_column(String(64), nullable=False)
    component: Mapped[str | None] = mapped_column(String(256), nullable=True)
    group_key: Mapped[str] = mapped_column(String(512), nullable=False, default="")
    alert: Mapped[dict] = mapped_column(JSON, nullable=False)
    held_until: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class SuppressedAlert(Base):
    """An alert occurrence that was not paged, and why: a silence, a maintenance window, or a hold that it outlived.

    One row per (fingerprint, starts_at): visible in the API and counted, never silently dropped.
    """

    __tablename__ = "suppressed_alerts"
    __table_args__ = (UniqueConstraint("fingerprint", "starts_at", name="uq_suppressed_alerts_occurrence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    scope: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    change_id: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(256), nullable=False)
    resource: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    suppressed_by: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    alert: Mapped[dict] = mapped_column(JSON, nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    suppressed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
