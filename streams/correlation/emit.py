"""Pure: building the commands correlation sends, with ids derived from their inputs only.

An incident command's id comes from the incident key, the kind, the alert's fingerprint, the
change id (and an `extra` that tells apart two of one kind, such as the new root of a REROOT):
replaying the same changes yields the same commands, which the writer drops.
"""
from __future__ import annotations

from datetime import datetime

from streams.alerts.model import AlertChange
from streams.correlation.commands import CommandKind, Disposition, IncidentCommand, IncidentFacts, deterministic_id
from streams.correlation.state import Cluster, Member


def incident_command(
    kind: CommandKind,
    cluster: Cluster,
    change: AlertChange,
    now: datetime,
    *,
    facts: IncidentFacts | None = None,
    member: Member | None = None,
    extra: str = "",
    absorbed_key: str = "",
) -> IncidentCommand:
    """A command about `cluster`'s incident, caused by `change`."""
    alert = change.alert
    parts = [cluster.incident_key, str(kind), alert.fingerprint, change.change_id] + ([extra] if extra else [])
    return IncidentCommand(
        kind=kind,
        command_id=deterministic_id(*parts),
        incident_key=cluster.incident_key,
        group_key=cluster.group_key,
        title=cluster.title,
        severity=cluster.severity,
        issued_at=now,
        alert=alert,
        scope=change.scope,
        facts=facts,
        symptom=member.symptom if member else False,
        component=member.component if member else None,
        absorbed_key=absorbed_key,
    )


def disposition_command(
    kind: CommandKind, scope: str, change: AlertChange, disposition: Disposition, now: datetime,
    *, component: str | None = None, group_key: str = "",
) -> IncidentCommand:
    """A HOLD or SUPPRESS: an alert that is not (yet) part of an incident, and why."""
    alert = change.alert
    return IncidentCommand(
        kind=kind,
        command_id=deterministic_id("", str(kind), alert.fingerprint, change.change_id, str(disposition.kind)),
        incident_key="",
        group_key=group_key,
        component=component,
        title=alert.name,
        severity=alert.severity,
        issued_at=now,
        alert=alert,
        scope=scope,
        disposition=disposition,
    )


__all__ = ["disposition_command", "incident_command"]
