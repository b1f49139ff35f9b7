"""Pure: the envelope receivers write, the canonical `Alert`, and the `AlertChange` dedupe emits.

Everything on a topic is one of these frozen dataclasses, encoded to plain JSON dicts by
`to_dict` and read back by `from_dict`, so replaying a topic rebuilds identical objects.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Mapping

from streams.clock import format_instant, parse_instant


class AlertStatus(StrEnum):
    """Whether the condition is still true."""

    FIRING = "firing"
    RESOLVED = "resolved"


class Severity(StrEnum):
    """How bad the source says it is, on one scale for every source."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse: critical 4 … info 0, so `max(..., key=Severity.rank.fget)` picks the worst."""
        return _SEVERITY_RANK[self]


#: Asked for every alert joining an incident: a look-up, not a search of the members' order.
_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(reversed(tuple(Severity)))}


class ChangeKind(StrEnum):
    """What dedupe saw happen to a fingerprint; only these travel on to correlation."""

    NEW = "new"
    RESOLVED = "resolved"
    SEVERITY = "severity"
    FLAPPING = "flapping"
    UNFLAPPED = "unflapped"


@dataclass(frozen=True)
class Envelope:
    """What a receiver writes to `alerts.raw`: the untouched body plus where and when it came from."""

    source: str
    received_at: datetime
    content_type: str
    body: str
    envelope_id: str

    def to_dict(self) -> dict[str, Any]:
        """Encode for a topic."""
        return {
            "source": self.source,
            "received_at": format_instant(self.received_at),
            "content_type": self.content_type,
            "body": self.body,
            "envelope_id": self.envelope_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Envelope":
        """Decode from a topic."""
        return cls(
            source=data["source"],
            received_at=parse_instant(data["received_at"]),
            content_type=data["content_type"],
            body=data["body"],
            envelope_id=data["envelope_id"],
        )


@dataclass(frozen=True)
class Alert:
    """One source's statement that something is (or no longer is) wrong, in canonical form."""

    fingerprint: str
    source: str
    status: AlertStatus
    severity: Severity
    name: str
    resource: str
    location: Mapping[str, str]
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    starts_at: datetime
    received_at: datetime
    ends_at: datetime | None = None
    value: str | None = None
    generator_url: str | None = None

    @property
    def site(self) -> str:
        """The site the alert belongs to, or '' when the source did not say."""
        return self.location.get("site", "")

    def to_dict(self) -> dict[str, Any]:
        """Encode for a topic."""
        return {
            "fingerprint": self.fingerprint,
            "source": self.source,
            "status": str(self.status),
            "severity": str(self.severity),
            "name": self.name,
            "resource": self.resource,
            "location": dict(self.location),
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "starts_at": format_instant(self.starts_at),
            "received_at": format_instant(self.received_at),
            "ends_at": format_instant(self.ends_at) if self.ends_at else None,
            "value": self.value,
            "generator_url": self.generator_url,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Alert":
        """Decode from a topic."""
        return cls(
            fingerprint=data["fingerprint"],
            source=data["source"],
            status=AlertStatus(data["status"]),
            severity=Severity(data["severity"]),
            name=data["name"],
            resource=data["resource"],
            location=dict(data["location"]),
            labels=dict(data["labels"]),
            annotations=dict(data["annotations"]),
            starts_at=parse_instant(data["starts_at"]),
            received_at=parse_instant(data["received_at"]),
            ends_at=parse_instant(data["ends_at"]) if data.get("ends_at") else None,
            value=data.get("value"),
            generator_url=data.get("generator_url"),
        )


@dataclass(frozen=True)
class AlertChange:
    """A transition of one fingerprint, keyed by correlation scope on `alerts.changes`."""

    kind: ChangeKind
    alert: Alert
    scope: str
    change_id: str
    repeat_count: int = field(default=1)

    def to_dict(self) -> dict[str, Any]:
        """Encode for a topic."""
        return {
            "kind": str(self.kind),
            "alert": self.alert.to_dict(),
            "scope": self.scope,
            "change_id": self.change_id,
            "repeat_count": self.repeat_count,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "AlertChange":
        """Decode from a topic."""
        return cls(
            kind=ChangeKind(data["kind"]),
            alert=Alert.from_dict(data["alert"]),
            scope=data["scope"],
            change_id=data["change_id"],
            repeat_count=int(data.get("repeat_count", 1)),
        )
