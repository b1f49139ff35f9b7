"""The incident writer sets SLA deadlines when it opens an incident and counts them again on a priority change
(SQLite and PostgreSQL); `apply_deadlines` on a row made by hand; the deadlines in the incident queries."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from incidents.models import Incident
from incidents.queries import get_incident
from incidents.sla.store import apply_deadlines
from incidents.sla.targets import parse_policy
from incidents.store import apply_command
from streams.correlation.commands import CommandKind, IncidentFacts
from tests.incidents.builders import NOW, command

# NOW is Thursday 2026-01-01 16:00 in Shanghai; the office calendar gives New Year's Day off.
POLICY = parse_policy(
    calendars=["office=Mon-Fri 09:00-17:00 Asia/Shanghai; holidays=2026-01-01"],
    service_calendars=["hr-portal=office"],
)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone(timedelta(hours=8))).astimezone(timezone.utc)


def facts(priority: str, *services: str) -> IncidentFacts:
    return IncidentFacts(priority=priority, impact="high", urgency="high", services=services)


def apply(factory, cmd, now=NOW):
    with factory() as session, session.begin():
        return apply_command(session=session, command=cmd, now=now, sla=POLICY)


def incident(factory, key: str = "k1") -> Incident:
    with factory() as session:
        return session.query(Incident).filter_by(incident_key=key).one()


def test_opening_sets_the_deadlines_on_the_services_calendar(migrated_db):
    _, factory = migrated_db
    apply(factory, replace(command(CommandKind.OPEN, "k1"), facts=facts("P2", "hr-portal")))
    row = incident(factory)
    assert row.sla_calendar == "office"
    assert row.response_due_at == sh(2026, 1, 2, 9, 30)  # the holiday does not count
    assert row.response_warn_at == sh(2026, 1, 2, 9, 24)
    assert row.resolution_due_at == sh(2026, 1, 2, 17, 0)
    assert row.resolution_warn_at == sh(2026, 1, 2, 15, 24)
    assert (row.response_warned_at, row.response_breached_at) == (None, None)


def test_the_default_policy_is_24x7(migrated_db):
    _, factory = migrated_db
    with factory() as session, session.begin():
        apply_command(session=session, command=replace(command(CommandKind.OPEN, "k1"), facts=facts("P1")), now=NOW)
    row = incident(factory)
    assert (row.sla_calendar, row.response_due_at, row.resolution_due_at) == (
        "24x7", NOW + timedelta(minutes=15), NOW + timedelta(hours=4)
    )


def test_a_priority_change_counts_from_opening_against_the_new_target(migrated_db):
    _, factory = migrated_db
    apply(factory, replace(command(CommandKind.OPEN, "k1"), facts=facts("P4")))
    assert incident(factory).resolution_due_at == NOW + timedelta(hours=72)
    later = NOW + timedelta(hours=2)
    raise_to_p1 = replace(command(CommandKind.PRIORITIZE, "k1", fingerprint=None), facts=facts("P1"))
    apply(factory, raise_to_p1, now=later)
    row = incident(factory)
    assert (row.response_due_at, row.resolution_due_at) == (NOW + timedelta(minutes=15), NOW + timedelta(hours=4))
    apply(factory, raise_to_p1, now=later + timedelta(hours=1))  # a replay changes nothing
    assert incident(factory).resolution_due_at == NOW + timedelta(hours=4)


def test_a_reroot_that_changes_the_services_moves_the_calendar(migrated_db):
    _, factory = migrated_db
    apply(factory, replace(command(CommandKind.OPEN, "k1"), facts=facts("P2")))
    assert incident(factory).sla_calendar == "24x7"
    apply(factory, replace(command(CommandKind.REROOT, "k1", fingerprint=None), facts=facts("P2", "hr-portal")))
    assert (incident(factory).sla_calendar, incident(factory).resolution_due_at) == ("office", sh(2026, 1, 2, 17, 0))


def test_apply_deadlines_on_an_incident_made_by_hand_keeps_only_marks_the_new_deadlines_justify():
    row = Incident(opened_at=NOW, priority="P1", services=[], category="other")
    apply_deadlines(row, POLICY)
    assert (row.sla_calendar, row.response_due_at) == ("24x7", NOW + timedelta(minutes=15))
    breached = NOW + timedelta(minutes=16)
    row.response_warned_at = row.response_breached_at = breached
    row.resolution_warned_at = NOW + timedelta(hours=3, minutes=13)
    row.priority = "P3"  # response 2h, resolution 24h: none of those marks holds under the new targets
    apply_deadlines(row, POLICY)
    assert (row.response_warned_at, row.response_breached_at, row.resolution_warned_at) == (None, None, None)
    row.priority, row.response_breached_at = "P1", breached
    apply_deadlines(row, POLICY)
    assert row.response_breached_at == breached  # 16 minutes is still past P1's 15


def test_apply_deadlines_refuses_an_incident_without_a_priority_target():
    with pytest.raises(ValueError, match="has no SLA target"):
        apply_deadlines(Incident(opened_at=NOW, priority="P0", services=[], category="other"), POLICY)


def test_the_incident_queries_show_deadlines_and_breaches(migrated_db):
    _, factory = migrated_db
    apply(factory, replace(command(CommandKind.OPEN, "k1"), facts=facts("P1")))
    with factory() as session:
        shown = get_incident(session=session, incident_id=incident(factory).id)
    assert shown["sla_calendar"] == "24x7"
    assert shown["response_due_at"] == "2026-01-01T08:15:00.000Z"
    assert shown["resolution_due_at"] == "2026-01-01T12:00:00.000Z"
    assert (shown["response_breached_at"], shown["resolution_breached_at"]) == (None, None)
