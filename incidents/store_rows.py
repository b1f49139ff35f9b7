"""Pure: the column values the incident store writes for a command — alert rows and timeline rows.

One place for them, so the store's one-by-one path (ORM objects, `incidents/store.py`) and its
batch path (executemany INSERTs of plain values, `incidents/store_batch.py`) write the same rows.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from incidents.events import EventKind
from incidents.models import Incident
from streams.alerts.model import Alert, AlertStatus
from streams.correlation.commands import CommandKind, IncidentCommand, deterministic_id


def new_alert_row(incident: Incident, command: IncidentCommand) -> dict[str, Any]:
    """The columns of a new `incident_alerts` row that only its first command sets (the rest: `alert_row_changes`)."""
    alert = require_alert(command)
    return {
        "incident_id": incident.id,
        "fingerprint": alert.fingerprint,
        "source": alert.source,
        "name": alert.name,
        "resource": alert.resource,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "starts_at": alert.starts_at,
        "component": command.component,
        "symptom": command.symptom,
    }


def alert_row_changes(command: IncidentCommand, *, status: AlertStatus, ends_at: datetime | None) -> dict[str, Any]:
    """The columns every command for an alert writes into its row; an OPEN or ATTACH also moves it to its component."""
    alert = require_alert(command)
    changes: dict[str, Any] = {
        "status": str(status), "severity": str(alert.severity), "ends_at": ends_at,
        "last_received_at": alert.received_at,
    }
    if command.kind in (CommandKind.OPEN, CommandKind.ATTACH):
        changes.update(component=command.component, symptom=command.symptom)
    return changes


def timeline_row(
    command: IncidentCommand, kind: EventKind, now: datetime, detail: str, *, part: str = ""
) -> dict[str, Any]:
    """The columns of the timeline row `command` writes for `kind` (without the incident it belongs to)."""
    return {
        "event_id": deterministic_id(command.command_id, str(kind), *([part] if part else [])),
        "command_id": command.command_id,
        "kind": str(kind),
        "occurred_at": now,
        "actor": "system",
        "origin": "system",
        "detail": detail,
    }


def require_alert(command: IncidentCommand) -> Alert:
    """The command's alert.

    Raises:
        ValueError: if the command carries none (the agent routes the command to the dead-letter topic).
    """
    if command.alert is None:
        raise ValueError(f"{command.kind} command {command.command_id} carries no alert")
    return command.alert
