"""Pure: group alert changes into incidents, one open incident per alert name and site.

The first alert of a group opens an incident; alerts of the same name at the same site attach
to it; when its last alert resolves, the incident resolves and the group closes, so the next
alert opens a new incident (a new `incident_key`). Topology-aware correlation (a UPS and the
racks it feeds) will be a further step; this one is the baseline every alert goes through.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from streams.alerts.model import Alert, AlertChange, ChangeKind, Severity
from streams.clock import format_instant
from streams.correlation.commands import CommandKind, IncidentCommand, deterministic_id


@dataclass(frozen=True)
class GroupState:
    """An open group: its incident, stable title, highest severity seen, and alerts still firing."""

    incident_key: str
    title: str
    severity: Severity
    open_fingerprints: frozenset[str]

    def to_dict(self) -> dict[str, Any]:
        """Encode for the correlation table."""
        return {
            "incident_key": self.incident_key,
            "title": self.title,
            "severity": str(self.severity),
            "open_fingerprints": sorted(self.open_fingerprints),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "GroupState":
        """Decode from the correlation table."""
        return cls(
            incident_key=data["incident_key"],
            title=data["title"],
            severity=Severity(data["severity"]),
            open_fingerprints=frozenset(data["open_fingerprints"]),
        )


@dataclass(frozen=True)
class GroupDecision:
    """The group's next state (None once closed) and the commands for the incident writer."""

    state: GroupState | None
    commands: tuple[IncidentCommand, ...]


def group_key(alert: Alert) -> str:
    """Return the correlation group of `alert`: its name at its site ("-" when it has none)."""
    return f"{alert.name}@{alert.site or '-'}"


def correlate(state: GroupState | None, change: AlertChange, *, now: datetime) -> GroupDecision:
    """Apply one alert change to its group and return the commands it causes.

    * NEW or SEVERITY with no open group -> OPEN a new incident (a SEVERITY here means the
      group's state was lost while the alert kept firing: it is still a firing alert);
    * NEW or SEVERITY with an open group -> ATTACH (the writer upserts the alert and its
      severity); the incident's severity is the highest seen and never goes down;
    * RESOLVED of an open fingerprint -> RESOLVE_ALERT, plus RESOLVE when it was the last one;
    * RESOLVED of anything else -> nothing.
    """
    alert = change.alert
    if change.kind is ChangeKind.RESOLVED:
        return _resolved(state, change, now)
    if state is None:
        key = group_key(alert)
        opened = GroupState(
            incident_key=deterministic_id(key, alert.fingerprint, format_instant(alert.starts_at)),
            title=_title(alert),
            severity=alert.severity,
            open_fingerprints=frozenset({alert.fingerprint}),
        )
        return GroupDecision(opened, (_command(CommandKind.OPEN, opened, change, now),))
    attached = GroupState(
        incident_key=state.incident_key,
        title=state.title,
        severity=max(state.severity, alert.severity, key=lambda severity: severity.rank),
        open_fingerprints=state.open_fingerprints | {alert.fingerprint},
    )
    return GroupDecision(attached, (_command(CommandKind.ATTACH, attached, change, now),))


def _resolved(state: GroupState | None, change: AlertChange, now: datetime) -> GroupDecision:
    fingerprint = change.alert.fingerprint
    if state is None or fingerprint not in state.open_fingerprints:
        return GroupDecision(state, ())
    remaining = state.open_fingerprints - {fingerprint}
    commands = [_command(CommandKind.RESOLVE_ALERT, state, change, now)]
    if remaining:
        return GroupDecision(
            GroupState(state.incident_key, state.title, state.severity, remaining), tuple(commands)
        )
    commands.append(_command(CommandKind.RESOLVE, state, change, now))
    return GroupDecision(None, tuple(commands))


def _title(alert: Alert) -> str:
    # Stable for the incident's life: no counts, nothing that changes as alerts attach.
    return f"{alert.name} at site {alert.site}" if alert.site else alert.name


def _command(kind: CommandKind, state: GroupState, change: AlertChange, now: datetime) -> IncidentCommand:
    alert = change.alert
    return IncidentCommand(
        kind=kind,
        command_id=deterministic_id(state.incident_key, str(kind), alert.fingerprint, change.change_id),
        incident_key=state.incident_key,
        group_key=group_key(alert),
        title=state.title,
        severity=state.severity,
        issued_at=now,
        alert=alert,
    )
