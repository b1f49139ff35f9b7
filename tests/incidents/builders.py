"""Pure: builders of alerts and incident commands for the incidents tests (fixed times, stable ids)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from streams.alerts.model import Alert, AlertStatus, Severity
from streams.correlation.commands import CommandKind, IncidentCommand, deterministic_id

NOW = datetime(2026, 1, 1, 8, 0, tzinfo=timezone.utc)


def alert(fingerprint: str, *, status: AlertStatus = AlertStatus.FIRING, severity: Severity = Severity.MAJOR) -> Alert:
    """A UPS alert in room A of site sh1."""
    return Alert(
        fingerprint=fingerprint,
        source="snmp",
        status=status,
        severity=severity,
        name="UpsOnBattery",
        resource=f"ups-{fingerprint}",
        location={"site": "sh1", "room": "A"},
        labels={"alertname": "UpsOnBattery"},
        annotations={"summary": "UPS on battery"},
        starts_at=NOW - timedelta(minutes=5),
        received_at=NOW - timedelta(minutes=1),
        ends_at=NOW if status is AlertStatus.RESOLVED else None,
    )


def command(
    kind: CommandKind,
    incident_key: str,
    group_key: str = "g1",
    fingerprint: str | None = "fp1",
    *,
    n: int = 0,
    severity: Severity = Severity.MAJOR,
) -> IncidentCommand:
    """A command whose id is derived from its arguments (`n` tells otherwise equal commands apart)."""
    status = AlertStatus.RESOLVED if kind is CommandKind.RESOLVE_ALERT else AlertStatus.FIRING
    return IncidentCommand(
        kind=kind,
        command_id=deterministic_id(str(kind), incident_key, group_key, str(fingerprint), str(n), str(severity)),
        incident_key=incident_key,
        group_key=group_key,
        title=f"UPS trouble in {group_key}",
        severity=severity,
        issued_at=NOW,
        alert=alert(fingerprint, status=status, severity=severity) if fingerprint else None,
    )
