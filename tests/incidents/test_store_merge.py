"""Merging two incidents in the writer's store (MERGE), on SQLite and PostgreSQL, with a fixed `now`.

The last tests feed the correlation engine's commands for the core-switch scenario in its worst
order (two incidents, then the core switch) to the store, and rebuild correlation state from it.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from incidents import actions
from incidents.correlation_seed import seed_scope
from incidents.events import EventKind
from incidents.models import Incident, IncidentAlert, TimelineEvent
from incidents.store import apply_command
from streams.correlation.commands import CommandKind, IncidentCommand, IncidentFacts
from tests.correlation.test_scenarios_engine import SCENARIOS, T0, _reordered, run_engine
from tests.incidents.builders import NOW, command

OPEN, ATTACH, MERGE = CommandKind.OPEN, CommandKind.ATTACH, CommandKind.MERGE
LATER = NOW + timedelta(minutes=2)


def _apply(factory, cmd: IncidentCommand, now=NOW):
    """Apply one command in its own committed transaction, as the writer does."""
    with factory() as session:
        events = apply_command(session=session, command=cmd, now=now)
        session.commit()
    return events


def _two_incidents(factory) -> None:
    """k1 (group g1, root ups-1, alerts fp1, fp2) and k2 (group g2, root pdu-1, alerts fp3, fp2 again)."""
    _apply(factory, replace(command(OPEN, "k1"), facts=IncidentFacts(root="ups-1"), scope="sh1"))
    _apply(factory, replace(command(ATTACH, "k1", fingerprint="fp2"), component="ups-1", scope="sh1"))
    _apply(factory, replace(command(OPEN, "k2", group_key="g2", fingerprint="fp3"), component="pdu-1", scope="sh1"))
    _apply(factory, replace(command(ATTACH, "k2", group_key="g2", fingerprint="fp2"), scope="sh1"))


def _merge(n: int = 0) -> IncidentCommand:
    return replace(command(MERGE, "k1", fingerprint="fp3", n=n), absorbed_key="k2", scope="sh1")


def _incidents(factory) -> dict[str, Incident]:
    with factory() as session:
        return {incident.incident_key: incident for incident in session.scalars(select(Incident))}


def _alerts(factory) -> dict[tuple[str, str], bool]:
    """(incident key, fingerprint) -> symptom, of every attached alert."""
    with factory() as session:
        rows = session.execute(select(Incident.incident_key, IncidentAlert.fingerprint, IncidentAlert.symptom).join(Incident))
        return {(key, fingerprint): symptom for key, fingerprint, symptom in rows}


def test_a_merge_moves_the_alerts_closes_the_absorbed_incident_and_tells_both_timelines(migrated_db):
    _, factory = migrated_db
    _two_incidents(factory)
    events = _apply(factory, _merge(), LATER)
    incidents = _incidents(factory)
    survivor, absorbed = incidents["k1"], incidents["k2"]
    assert [(e.kind, e.incident_key, e.status, e.alert_count) for e in events] == [
        (EventKind.MERGED, "k2", "closed", 0), (EventKind.MERGED, "k1", "triggered", 3),
    ]
    assert events[0].detail == f"merged into incident {survivor.id} (UPS trouble in g1): 1 alerts moved there"
    assert (absorbed.merged_into, absorbed.closed_at, absorbed.resolved_at) == (survivor.id, LATER, LATER)
    # fp2 was on both: the survivor's row stays; fp3 moves as a symptom of the survivor's root.
    assert _alerts(factory) == {("k1", "fp1"): False, ("k1", "fp2"): False, ("k1", "fp3"): True}


def test_a_merge_delivered_twice_changes_nothing_the_second_time(migrated_db):
    _, factory = migrated_db
    _two_incidents(factory)
    first = _apply(factory, _merge(), LATER)
    assert _apply(factory, _merge(), LATER + timedelta(minutes=1)) == first
    assert _apply(factory, _merge(n=1), LATER + timedelta(minutes=1)) == []  # another merge of the same two
    with factory() as session:
        kinds = session.scalars(select(TimelineEvent.kind).where(TimelineEvent.kind == str(EventKind.MERGED))).all()
    assert len(kinds) == 2


def test_commands_for_the_absorbed_incident_land_on_the_survivor(migrated_db):
    _, factory = migrated_db
    _two_incidents(factory)
    _apply(factory, _merge(), LATER)
    [attached] = _apply(factory, replace(command(ATTACH, "k2", group_key="g2", fingerprint="fp4"), scope="sh1"), LATER)
    [resolved] = _apply(factory, command(CommandKind.RESOLVE_ALERT, "k2", group_key="g2", fingerprint="fp3"), LATER)
    assert (attached.incident_key, attached.alert_count, resolved.incident_key) == ("k1", 4, "k1")


def test_the_absorbed_group_may_open_again_and_merged_incidents_are_not_seeded(migrated_db):
    _, factory = migrated_db
    _two_incidents(factory)
    _apply(factory, _merge(), LATER)
    state = seed_scope(factory, "sh1", now=LATER, reopen_window=timedelta(hours=1))
    assert list(state.clusters) == ["k1"] and set(state.fingerprints.values()) == {"k1"}
    assert set(state.clusters["k1"].members) == {"fp1", "fp2", "fp3"}
    [opened] = _apply(factory, replace(command(OPEN, "k3", group_key="g2", fingerprint="fp5"), scope="sh1"), LATER)
    assert (opened.kind, opened.incident_key) == (EventKind.OPENED, "k3")  # the open-group index lets g2 open again


def test_a_survivor_resolved_by_a_person_reopens_when_a_merged_alert_still_fires(migrated_db):
    _, factory = migrated_db
    _two_incidents(factory)
    with factory() as session:
        survivor = session.scalars(select(Incident).where(Incident.incident_key == "k1")).one()
        actions.resolve(session=session, incident_id=survivor.id, actor="li.wei", via="api", now=NOW, request_id="r1")
        session.commit()
    events = _apply(factory, _merge(), LATER)
    assert [(e.kind, e.incident_key, e.status) for e in events][-1] == (EventKind.REOPENED, "k1", "triggered")


def test_a_merge_of_unknown_incidents_or_of_one_into_itself_does_nothing(migrated_db):
    _, factory = migrated_db
    assert _apply(factory, _merge()) == []
    _two_incidents(factory)
    assert _apply(factory, replace(_merge(), absorbed_key="nope")) == []
    assert _apply(factory, replace(_merge(), absorbed_key="k1")) == []  # merging an incident into itself


def test_the_core_switch_in_its_worst_order_ends_as_one_open_incident_and_seeds_as_one(migrated_db):
    _, factory = migrated_db
    scenario = SCENARIOS["core-switch"]
    commands = run_engine(scenario, _reordered(scenario, [[2, 1, 0, 3, 4]])).commands
    assert MERGE in {c.kind for c in commands}
    for cmd in commands:
        _apply(factory, cmd, cmd.issued_at)
    incidents = _incidents(factory)
    open_ones = [i for i in incidents.values() if i.status == "triggered"]
    merged = [i for i in incidents.values() if i.merged_into is not None]
    assert len(open_ones) == 1 and open_ones[0].alert_count == 8 and open_ones[0].root_component == "sc-net.sw-core"
    assert [i.merged_into for i in merged] == [open_ones[0].id] and merged[0].alert_count == 0
    state = seed_scope(factory, "sc-net", now=T0 + timedelta(seconds=10), reopen_window=timedelta(minutes=10))
    assert list(state.clusters) == [open_ones[0].incident_key] and len(state.fingerprints) == 8
