"""Test data for notify tests: typical incident events."""
from __future__ import annotations

from datetime import datetime, timezone

from incidents.events import EventKind, IncidentEvent
from streams.alerts.model import Severity

T0 = datetime(2026, 1, 1, 3, 0, tzinfo=timezone.utc)


def make_event(kind: EventKind = EventKind.OPENED, incident_id: int = 12, **overrides) -> IncidentEvent:
    """An incident event with typical machine-room values; override any field."""
    fields = dict(
        event_id=f"evt-{incident_id}-{kind}",
        kind=kind,
        incident_id=incident_id,
        incident_key=f"inc-{incident_id}",
        title="HighTemperature at site dc1",
        severity=Severity.CRITICAL,
        status="triggered",
        site="dc1",
        alert_count=3,
        occurred_at=T0,
    )
    fields.update(overrides)
    return IncidentEvent(**fields)
