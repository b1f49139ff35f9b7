"""Pure: `IncidentCommand`, what correlation (or a person, through the API) asks the incident writer to do.

Each command carries a deterministic `command_id` derived from its inputs, so the writer can
apply it idempotently: replaying `incidents.commands` from the start changes nothing.

Commands that shape an incident (OPEN, REROOT, PRIORITIZE, REOPEN) carry `IncidentFacts`: the
root cause component, the category, ITIL impact/urgency/priority and whether it is major, as
correlation sees them at that moment. HOLD and SUPPRESS carry the alert and a `Disposition`
saying why it is not (yet) part of an incident, so nothing the stream decides goes unrecorded.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Mapping

from streams.alerts.model import Alert, Severity
from streams.clock import format_instant, parse_instant
from streams.ids import (
    deterministic_id,  # re-exported: moved down so streams/alerts can use it
)


class CommandKind(StrEnum):
    """The verbs of the incident writer."""

    OPEN = "open"
    ATTACH = "attach"
    RESOLVE_ALERT = "resolve_alert"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    REROOT = "reroot"
    PRIORITIZE = "prioritize"
    HOLD = "hold"
    SUPPRESS = "suppress"
    MERGE = "merge"  # two open incidents share a root: `absorbed_key`'s alerts move to `incident_key`


@dataclass(frozen=True)
class IncidentFacts:
    """What correlation knows about an incident: its root cause, category, priority and majority.

    `root` is a topology component id, or None for an incident grouped by labels alone;
    `inferred` is True when no alert came from the root itself (several symptoms point at it).
    """

    root: str | None = None
    root_kind: str | None = None
    root_name: str | None = None
    category: str = "other"
    inferred: bool = False
    impact: str = "low"
    urgency: str = "low"
    priority: str = "P5"
    major: bool = False
    major_reason: str | None = None
    services: tuple[str, ...] = ()
    affected: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Encode for a topic."""
        return {
            "root": self.root,
            "root_kind": self.root_kind,
            "root_name": self.root_name,
            "category": self.category,
            "inferred": self.inferred,
            "impact": self.impact,
            "urgency": self.urgency,
            "priority": self.priority,
            "major": self.major,
            "major_reason": self.major_reason,
            "services": list(self.services),
            "affected": self.affected,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "IncidentFacts":
        """Decode from a topic."""
        return cls(
            root=data.get("root"),
            root_kind=data.get("root_kind"),
            root_name=data.get("root_name"),
            category=data.get("category", "other"),
            inferred=bool(data.get("inferred", False)),
            impact=data.get("impact", "low"),
            urgency=data.get("urgency", "low"),
            priority=data.get("priority", "P5"),
            major=bool(data.get("major", False)),
            major_reason=data.get("major_reason"),
            services=tuple(data.get("services", ())),
            affected=int(data.get("affected", 0)),
        )


class DispositionKind(StrEnum):
    """Why an alert is not part of an incident (yet)."""

    HELD = "held"  # waiting a hold-down for a plausible upstream cause or a group window
    SILENCED = "silence"
    MAINTENANCE = "maintenance"
    EXPIRED_HOLD = "expired_hold"  # resolved while still held: recorded, never paged


@dataclass(frozen=True)
class Disposition:
    """The reason carried by a HOLD or SUPPRESS command: what kind, by which rule, in words, until when."""

    kind: DispositionKind
    reason: str
    by: str = ""
    until: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """Encode for a topic."""
        return {
            "kind": str(self.kind),
            "reason": self.reason,
            "by": self.by,
            "until": format_instant(self.until) if self.until else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Disposition":
        """Decode from a topic."""
        return cls(
            kind=DispositionKind(data["kind"]),
            reason=data["reason"],
            by=data.get("by", ""),
            until=parse_instant(data["until"]) if data.get("until") else None,
        )


@dataclass(frozen=True)
class IncidentCommand:
    """One instruction for the incident writer, keyed by `incident_key` on `incidents.commands`.

    `group_key` names the correlation group (the root component, or the label group of an
    alert with no topology); `incident_key` names this occurrence of the group (a group that
    resolves and fires again after its reopen window gets a new key). `scope` is the
    correlation scope (site) the command came from, so correlation state can be rebuilt per
    scope from the database. `symptom` marks an attached alert whose cause is the incident's
    root: it is inhibited from paging on its own; `component` is the topology component the
    alert is about (None without topology). `absorbed_key` (MERGE only) names the incident whose
    alerts move to `incident_key`'s, the survivor, rooted upstream of it.
    """

    kind: CommandKind
    command_id: str
    incident_key: str
    group_key: str
    title: str
    severity: Severity
    issued_at: datetime
    alert: Alert | None = None
    scope: str = ""
    facts: IncidentFacts | None = None
    disposition: Disposition | None = None
    symptom: bool = False
    component: str | None = None
    absorbed_key: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Encode for a topic."""
        return {
            "kind": str(self.kind),
            "command_id": self.command_id,
            "incident_key": self.incident_key,
            "group_key": self.group_key,
            "title": self.title,
            "severity": str(self.severity),
            "issued_at": format_instant(self.issued_at),
            "alert": self.alert.to_dict() if self.alert else None,
            "scope": self.scope,
            "facts": self.facts.to_dict() if self.facts else None,
            "disposition": self.disposition.to_dict() if self.disposition else None,
            "symptom": self.symptom,
            "component": self.component,
            "absorbed_key": self.absorbed_key,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "IncidentCommand":
        """Decode from a topic."""
        return cls(
            kind=CommandKind(data["kind"]),
            command_id=data["command_id"],
            incident_key=data["incident_key"],
            group_key=data["group_key"],
            title=data["title"],
            severity=Severity(data["severity"]),
            issued_at=parse_instant(data["issued_at"]),
            alert=Alert.from_dict(data["alert"]) if data.get("alert") else None,
            scope=data.get("scope", ""),
            facts=IncidentFacts.from_dict(data["facts"]) if data.get("facts") else None,
            disposition=Disposition.from_dict(data["disposition"]) if data.get("disposition") else None,
            symptom=bool(data.get("symptom", False)),
            component=data.get("component"),
            absorbed_key=data.get("absorbed_key", ""),
        )


__all__ = [
    "CommandKind", "Disposition", "DispositionKind", "IncidentCommand", "IncidentFacts", "deterministic_id",
]
