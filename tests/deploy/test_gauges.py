"""The database-sampled gauges (open incidents by priority, due and overdue escalations) on SQLite and PostgreSQL.

Each test reads the gauge as /metrics serves it (the text exposition of the default registry).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from incidents.models import Incident
from incidents.open_gauge import sample_open_incidents
from notify.escalation_gauges import DueEscalations, sample_due_escalations
from notify.models import Escalation

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
OVERDUE_AFTER = timedelta(seconds=60)


def scraped(name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Samples of metric `name` as /metrics shows them, keyed by their sorted labels."""
    text = generate_latest(REGISTRY).decode()
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def incident(key: str, priority: str, status: str) -> Incident:
    return Incident(incident_key=key, group_key=key, title=key, severity="critical", status=status,
                    priority=priority, opened_at=NOW, updated_at=NOW)


def test_open_incidents_by_priority_count_triggered_and_acknowledged_only(migrated_db):
    _, sessions = migrated_db
    assert sample_open_incidents(sessions) == {"P1": 0, "P2": 0, "P3": 0, "P4": 0, "P5": 0}
    assert scraped("alertdesk_incidents_open")[(("priority", "P1"),)] == 0
    with sessions.begin() as session:
        session.add_all([
            incident("a", "P1", "triggered"), incident("b", "P1", "acknowledged"), incident("c", "P3", "triggered"),
            incident("d", "P1", "resolved"), incident("e", "P2", "closed"),
        ])
    sample_open_incidents(sessions)
    gauge = scraped("alertdesk_incidents_open")
    assert {labels[0][1]: value for labels, value in gauge.items()} == {"P1": 2, "P2": 0, "P3": 1, "P4": 0, "P5": 0}

    with sessions.begin() as session:
        session.query(Incident).filter(Incident.incident_key == "a").one().status = "resolved"
    sample_open_incidents(sessions)
    assert scraped("alertdesk_incidents_open")[(("priority", "P1"),)] == 1


def test_due_and_overdue_escalations(migrated_db):
    _, sessions = migrated_db
    with sessions.begin() as session:
        ids = []
        for key in ("a", "b", "c", "d"):
            row = incident(key, "P2", "triggered")
            session.add(row)
            session.flush()
            ids.append(row.id)
        due_times = [NOW - timedelta(minutes=5), NOW - timedelta(seconds=10), NOW + timedelta(minutes=1), None]
        for incident_id, due in zip(ids, due_times):
            session.add(Escalation(incident_id=incident_id, policy_id="default", policy={}, status="active",
                                   next_due_at=due, started_at=NOW, updated_at=NOW))

    assert sample_due_escalations(sessions, now=NOW, overdue_after=OVERDUE_AFTER) == DueEscalations(due=2, overdue=1)
    assert scraped("alertdesk_escalations_due") == {(): 2}
    assert scraped("alertdesk_escalations_overdue") == {(): 1}

    later = NOW + timedelta(seconds=90)  # the step due at NOW+1m is due (30 s late); the one 100 s late is overdue
    assert sample_due_escalations(sessions, now=later, overdue_after=OVERDUE_AFTER) == DueEscalations(due=3, overdue=2)
    assert scraped("alertdesk_escalations_overdue") == {(): 2}
