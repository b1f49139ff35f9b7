"""Pure: `IncidentCommand`, what correlation (or a person, through the API) asks the incident writer to do.

Each command carries a deterministic `command_id` derived from its inputs, so the writer can
apply it idempotently: replaying `incidents.commands` from the start changes nothing.
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


@dataclass(frozen=True)
class IncidentCommand:
    """One instruction for the incident writer, keyed by `incident_key` on `incidents.commands`.

    `group_key` names the correlation group (e.g. alertname + site); `incident_key` names this
    occurrence of the group (a group that resolves and fires again gets a new key).
    """

    kind: CommandKind
    command_id: str
    incident_key: str
    group_key: str
    title: str
    severity: Severity
    issued_at: datetime
    alert: Alert | None = None

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
        )


__all__ = ["CommandKind", "IncidentCommand", "deterministic_id"]
