"""Behaviour of the incident writer's store on SQLite and PostgreSQL, with a fixed `now`."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from incidents.events import EventKind
from incidents.models import Incident, IncidentAlert, TimelineEvent
from incidents.store import apply_command
from streams.alerts.model import Severity
from streams.correlation.commands import CommandKind
from tests.incidents.builders import NOW, command

OPEN, ATTACH, RESOLVE_ALERT, RESOLVE = CommandKind.OPEN, CommandKind.ATTACH, CommandKind.RESOLVE_ALERT, CommandKind.RESOLVE
OPENED, ATTACHED, ALERT_RESOLVED, RESOLVED = (
    EventKind.OPENED, EventKind.ALERT_ATTACHED, EventKind.ALERT_RESOLVED, EventKind.RESOLVED
)

# Each step: a command and the (kind, incident_key, status, alert_count) of the events it returns.
SCENARIOS = {
    "lifecycle": [
        (command(OPEN, "k1"), [(OPENED, "k1", "triggered", 1)]),
        (command(ATTACH, "k1", fingerprint="fp2"), [(ATTACHED, "k1", "triggered", 2)]),
        (command(RESOLVE_ALERT, "k1"), [(ALERT_RESOLVED, "k1", "triggered", 2)]),
        (command(RESOLVE, "k1", fingerprint=None), [(RESOLVED, "k1", "resolved", 2)]),
    ],
    "open for a group with an open incident attaches to it": [
        (command(OPEN, "k1"), [(OPENED, "k1", "triggered", 1)]),
        (command(OPEN, "k2", fingerprint="fp2"), [(ATTACHED, "k1", "triggered", 2)]),
    ],
    "open with a known incident key attaches": [
        (command(OPEN, "k1"), [(OPENED, "k1", "triggered", 1)]),
        (command(OPEN, "k1", fingerprint="fp2"), [(ATTACHED, "k1", "triggered", 2)]),
    ],
    "attach with an unknown key goes to the group's open incident": [
        (command(OPEN, "k1"), [(OPENED, "k1", "triggered", 1)]),
        (command(ATTACH, "lost", fingerprint="fp2"), [(ATTACHED, "k1", "triggered", 2)]),
    ],
    "attach with an unknown key and no open incident opens one": [
        (command(ATTACH, "k9", group_key="g9"), [(OPENED, "k9", "triggered", 1)]),
    ],
    "the same alert attached again is updated, not counted twice": [
        (command(OPEN, "k1"), [(OPENED, "k1", "triggered", 1)]),
        (command(ATTACH, "k1", severity=Severity.CRITICAL), [(ATTACHED, "k1", "triggered", 1)]),
    ],
    "a resolved group opens a new incident": [
        (command(OPEN, "k1"), [(OPENED, "k1", "triggered", 1)]),
        (command(RESOLVE, "k1", fingerprint=None), [(RESOLVED, "k1", "resolved", 1)]),
        (command(OPEN, "k2"), [(OPENED, "k2", "triggered", 1)]),
    ],
    "resolving twice keeps the first resolution": [
        (command(OPEN, "k1"), [(OPENED, "k1", "triggered", 1)]),
        (command(RESOLVE, "k1", fingerprint=None), [(RESOLVED, "k1", "resolved", 1)]),
        (command(RESOLVE, "k1", fingerprint=None, n=1), [(RESOLVED, "k1", "resolved", 1)]),
    ],
    "unknown incidents are not resolved": [
        (command(RESOLVE_ALERT, "nope", group_key="g9"), []),
        (command(RESOLVE, "nope", group_key="g9", fingerprint=None), []),
    ],
}


def _apply(factory, cmd, now):
    """Apply one command in its own committed transaction, as the writer does."""
    with factory() as session:
        events = apply_command(session=session, command=cmd, now=now)
        session.commit()
    return events


def _counts(factory) -> tuple[int, int, int]:
    """How many incidents, attached alerts and timeline rows there are."""
    with factory() as session:
        return tuple(session.scalar(select(func.count()).select_from(t)) for t in (Incident, IncidentAlert, TimelineEvent))


@pytest.mark.parametrize("steps", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_each_command_gives_the_expected_events_and_the_same_ones_when_replayed(migrated_db, steps):
    _, factory = migrated_db
    for cmd, expected in steps:
        first = _apply(factory, cmd, NOW)
        again = _apply(factory, cmd, NOW + timedelta(minutes=10))
        assert again == first
        assert [(e.kind, e.incident_key, e.status, e.alert_count) for e in first] == expected


def test_replaying_the_whole_topic_changes_nothing(migrated_db):
    _, factory = migrated_db
    steps = [cmd for cmd, _ in SCENARIOS["lifecycle"]]
    first = [e.event_id for cmd in steps for e in _apply(factory, cmd, NOW)]
    before = _counts(factory)
    replayed = [e.event_id for cmd in steps for e in _apply(factory, cmd, NOW + timedelta(hours=1))]
    assert replayed == first
    assert _counts(factory) == before == (1, 2, 4)


def test_event_fields_come_from_the_incident_and_the_fixed_now(migrated_db):
    _, factory = migrated_db
    [opened] = _apply(factory, command(OPEN, "k1"), NOW)
    assert (opened.title, opened.severity, opened.site, opened.occurred_at) == (
        "UPS trouble in g1", Severity.MAJOR, "sh1", NOW
    )
    assert opened.detail == "opened by UpsOnBattery on ups-fp1"


def test_an_incident_is_as_severe_as_its_worst_alert(migrated_db):
    _, factory = migrated_db
    _apply(factory, command(OPEN, "k1", severity=Severity.WARNING), NOW)
    [raised] = _apply(factory, command(ATTACH, "k1", fingerprint="fp2", severity=Severity.CRITICAL), NOW)
    [kept] = _apply(factory, command(ATTACH, "k1", fingerprint="fp3", severity=Severity.MINOR), NOW)
    assert (raised.severity, kept.severity) == (Severity.CRITICAL, Severity.CRITICAL)


def test_resolving_twice_returns_the_first_resolution(migrated_db):
    _, factory = migrated_db
    _apply(factory, command(OPEN, "k1"), NOW)
    [first] = _apply(factory, command(RESOLVE, "k1", fingerprint=None), NOW)
    [second] = _apply(factory, command(RESOLVE, "k1", fingerprint=None, n=1), NOW + timedelta(minutes=1))
    assert second == first


def test_attach_without_an_alert_is_refused(migrated_db):
    _, factory = migrated_db
    with factory() as session, pytest.raises(ValueError, match="carries no alert"):
        apply_command(session=session, command=command(ATTACH, "k1", fingerprint=None), now=NOW)


def test_the_store_never_commits(migrated_db):
    _, factory = migrated_db
    with factory() as session:
        apply_command(session=session, command=command(OPEN, "k1"), now=NOW)
        session.rollback()
    assert _counts(factory) == (0, 0, 0)


def test_two_writers_opening_one_group_make_one_incident(migrated_db):
    engine, factory = migrated_db
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has a single writer; the race needs two")
    first = factory()
    [opened] = apply_command(session=first, command=command(OPEN, "k1"), now=NOW)
    assert opened.kind is OPENED
    second_is_inserting = threading.Event()
    result: list = []

    def on_execute(_conn, _cursor, statement, *_args):
        if statement.startswith("INSERT INTO incidents"):
            second_is_inserting.set()

    event.listen(engine, "before_cursor_execute", on_execute)
    # The second writer looked up the group before the first committed, so its insert collides
    # with the partial unique index (blocking until the commit), and it must retry and attach.
    second = threading.Thread(target=lambda: result.append(_apply(factory, command(OPEN, "k2", fingerprint="fp2"), NOW)))
    second.start()
    assert second_is_inserting.wait(timeout=30)
    first.commit()
    first.close()
    second.join(timeout=30)
    event.remove(engine, "before_cursor_execute", on_execute)
    [[attached]] = result
    assert (attached.kind, attached.incident_key, attached.alert_count) == (ATTACHED, "k1", 2)
    assert _counts(factory)[0] == 1
