"""Pure: `IncidentEvent`, what the incident writer announces on `incidents.events` after a commit.

Consumers (pager, runbooks, UI) act on events idempotently: the writer may announce the same
event twice (it re-announces when a command is replayed, so a crash between commit and send
never loses one), and `event_id` is stable across those announcements.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from streams.alerts.model import Severity
from streams.clock import format_instant, parse_instant


class EventKind(StrEnum):
    """Things that happen to an incident and land on its timeline."""

    OPENED = "opened"
    ALERT_ATTACHED = "alert_attached"
    ALERT_RESOLVED = "alert_resolved"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    ROOT_CHANGED = "root_changed"
    PRIORITY_CHANGED = "priority_changed"
    MAJOR_DECLARED = "major_declared"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    NOTE_ADDED = "note_added"
    CLOSED = "closed"
    LINKED = "linked"  # related to another incident
    ESCALATED = "escalated"  # escalated by hand to the next level
    MERGED = "merged"  # correlation found two incidents to be one; detail names the survivor
    SLA_WARNING = "sla_warning"  # detail "response" or "resolution": the deadline is near
    SLA_BREACHED = "sla_breached"  # detail "response" or "resolution": the deadline passed
    HANDOVER = "handover"  # listed in a shift handover (written or acknowledged)
    RUNBOOK_STARTED = "runbook_started"
    RUNBOOK_STEP = "runbook_step"  # a step completed, skipped, failed or approved
    RUNBOOK_STEP_OVERDUE = "runbook_step_overdue"
    RUNBOOK_FINISHED = "runbook_finished"  # completed, aborted or rolled back


#: Alerts joining or leaving an incident: thousands in a storm, and no consumer acts on them, so the
#: writer keeps them on the timeline only and does not announce them (docs/benchmarks.md).
TIMELINE_ONLY_KINDS = frozenset({EventKind.ALERT_ATTACHED, EventKind.ALERT_RESOLVED})


@dataclass(frozen=True)
class IncidentEvent:
    """One timeline entry as announced on the bus, keyed by incident id."""

    event_id: str
    kind: EventKind
    incident_id: int
    incident_key: str
    title: str
    severity: Severity
    status: str
    site: str
    alert_count: int
    occurred_at: datetime
    detail: str = ""
    priority: str = "P5"
    major: bool = False
    root: str | None = None
    #: Who caused the event (a person's id, or "system" for the pipeline) and from where
    #: (ui, api, cli, sms, phone, system): the pager tells the others "acknowledged by li.wei via sms".
    actor: str = "system"
    via: str = "system"

    def to_dict(self) -> dict[str, Any]:
        """Encode for a topic."""
        return {
            "event_id": self.event_id,
            "kind": str(self.kind),
            "incident_id": self.incident_id,
            "incident_key": self.incident_key,
            "title": self.title,
            "severity": str(self.severity),
            "status": self.status,
            "site": self.site,
            "alert_count": self.alert_count,
            "occurred_at": format_instant(self.occurred_at),
            "detail": self.detail,
            "priority": self.priority,
            "major": self.major,
            "root": self.root,
            "actor": self.actor,
            "via": self.via,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IncidentEvent:
        """Decode from a topic; fields added later default, so messages already on the topic still decode."""
        return cls(
            event_id=data["event_id"],
            kind=EventKind(data["kind"]),
            incident_id=int(data["incident_id"]),
            incident_key=data["incident_key"],
            title=data["title"],
            severity=Severity(data["severity"]),
            status=data["status"],
            site=data["site"],
            alert_count=int(data["alert_count"]),
            occurred_at=parse_instant(data["occurred_at"]),
            detail=data.get("detail", ""),
            priority=data.get("priority", "P5"),
            major=bool(data.get("major", False)),
            root=data.get("root"),
            actor=data.get("actor", "system"),
            via=data.get("via", "system"),
        )
