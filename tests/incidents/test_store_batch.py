"""The writer's batch path (`apply_commands`) leaves the same rows and returns the same events as
`apply_command` one by one, on SQLite and PostgreSQL: for the store's own scenarios, for every
correlation scenario's real command stream, for replays, and when another writer wins a unique key."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from incidents.events import EventKind, IncidentEvent
from incidents.models import CorrelationHold, Incident, IncidentAlert, SuppressedAlert, TimelineEvent
from incidents.store import apply_command
from incidents.store_batch import apply_commands
from streams.alerts.model import Severity
from streams.correlation.commands import CommandKind, IncidentCommand
from tests.correlation.test_scenarios_engine import SCENARIOS as ENGINE_SCENARIOS
from tests.correlation.test_scenarios_engine import T0, run_engine
from tests.incidents.builders import NOW, command
from tests.incidents.test_store import SCENARIOS as STORE_SCENARIOS

OPEN, ATTACH, HOLD, RESOLVE = CommandKind.OPEN, CommandKind.ATTACH, CommandKind.HOLD, CommandKind.RESOLVE
TABLES = (Incident, IncidentAlert, TimelineEvent, CorrelationHold, SuppressedAlert)
#: Surrogate keys differ between two runs on PostgreSQL (sequences go on); rows are compared by what they say.
IGNORED = {"id", "incident_id", "merged_into"}

STORM = [command(OPEN, "k1")] + [command(ATTACH, "k1", fingerprint=f"fp{n}") for n in range(2, 40)]
MIXED = [
    command(HOLD, "k1", fingerprint="fp7"),
    *STORM[:10],
    command(ATTACH, "k1", fingerprint="fp3", severity=Severity.CRITICAL),  # same alert again, worse
    command(ATTACH, "k2", group_key="g2", fingerprint="fp50"),  # unknown key: opens an incident
    command(ATTACH, "k2", group_key="g2", fingerprint="fp51"),
    command(ATTACH, "k1", fingerprint="fp7"),  # was held: the hold goes
    command(RESOLVE, "k1", fingerprint=None),
    command(ATTACH, "k1", fingerprint="fp60"),  # a resolved incident: reopened, the one-by-one way
    command(ATTACH, "k1", fingerprint="fp61"),
    STORM[5],  # a replay inside the batch
]
BATCHES = {
    **{name: [cmd for cmd, _ in steps] for name, steps in STORE_SCENARIOS.items()},
    "storm of attaches": STORM,
    "holds, reopen, replays and new incidents mixed": MIXED,
}


def _rows(session: Session) -> dict[str, list[tuple]]:
    """Every row of the writer's tables, without surrogate keys, incidents named by key."""
    keys = {incident.id: incident.incident_key for incident in session.scalars(select(Incident))}
    snapshot = {}
    for table in TABLES:
        columns = [column.key for column in table.__table__.columns if column.key not in IGNORED]
        rows = []
        for row in session.scalars(select(table)):
            values = tuple(repr(getattr(row, column)) for column in columns)
            rows.append((keys.get(getattr(row, "incident_id", None)), keys.get(getattr(row, "merged_into", None)), values))
        snapshot[table.__tablename__] = sorted(rows)
    return snapshot


def _events(events: list[IncidentEvent]) -> list[IncidentEvent]:
    """The events with the incident id blanked (compared by incident key)."""
    return [replace(event, incident_id=0) for event in events]


def _wipe(factory) -> None:
    with factory() as session, session.begin():
        for table in (TimelineEvent, IncidentAlert, CorrelationHold, SuppressedAlert, Incident):
            session.execute(delete(table))


def _one_by_one(factory, commands: list[IncidentCommand], now) -> tuple[list, dict]:
    events = []
    with factory() as session, session.begin():
        for cmd in commands:
            events += apply_command(session=session, command=cmd, now=now)
    with factory() as session:
        return _events(events), _rows(session)


def _batched(factory, commands: list[IncidentCommand], now) -> tuple[list, dict]:
    with factory() as session, session.begin():
        events = apply_commands(session=session, commands=commands, now=now)
    with factory() as session:
        return _events(events), _rows(session)


@pytest.mark.parametrize("commands", BATCHES.values(), ids=BATCHES.keys())
def test_a_batch_writes_and_announces_what_one_by_one_does(migrated_db, commands) -> None:
    _, factory = migrated_db
    expected = _one_by_one(factory, commands, NOW)
    _wipe(factory)
    assert _batched(factory, commands, NOW) == expected


@pytest.mark.parametrize("name", sorted(ENGINE_SCENARIOS))
def test_correlation_scenarios_give_the_same_rows_batched(migrated_db, name) -> None:
    _, factory = migrated_db
    commands = run_engine(ENGINE_SCENARIOS[name]).commands
    expected = _one_by_one(factory, commands, T0)
    _wipe(factory)
    assert _batched(factory, commands, T0) == expected


def test_a_replayed_batch_returns_the_same_events_and_writes_nothing(migrated_db) -> None:
    _, factory = migrated_db
    first, rows = _batched(factory, MIXED, NOW)
    again, rows_again = _batched(factory, MIXED, NOW)
    assert [(e.event_id, e.kind, e.detail) for e in again] == [(e.event_id, e.kind, e.detail) for e in first]
    assert rows_again == rows
    assert [event.alert_count for event in first if event.kind is EventKind.ALERT_ATTACHED][:9] == list(range(2, 11))


def test_an_alert_another_writer_attached_first_is_updated_not_doubled(migrated_db) -> None:
    """The run's flush collides on (incident, fingerprint): its savepoint goes, the commands run one by one."""
    engine, factory = migrated_db
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time (BEGIN IMMEDIATE): nobody can win a key mid-transaction")
    _batched(factory, STORM[:1], NOW)
    late = STORM[1]
    with factory() as session, session.begin():
        incident_id = session.scalars(select(Incident.id)).one()

        def other_writer(*_: object) -> None:
            with factory() as other, other.begin():
                other.execute(IncidentAlert.__table__.insert(), [_row(incident_id, late)])

        event.listen(session, "before_flush", other_writer, once=True)
        events = apply_commands(session=session, commands=[late], now=NOW)
    assert [event.kind for event in events] == [EventKind.ALERT_ATTACHED]
    with factory() as session:
        [row] = session.scalars(select(IncidentAlert).where(IncidentAlert.fingerprint == late.alert.fingerprint)).all()
        assert row.status == "firing" and row.last_received_at == late.alert.received_at


def _row(incident_id: int, cmd: IncidentCommand) -> dict:
    alert = cmd.alert
    return {
        "incident_id": incident_id, "fingerprint": alert.fingerprint, "source": alert.source, "name": alert.name,
        "resource": alert.resource, "status": "firing", "severity": str(alert.severity), "labels": {},
        "annotations": {}, "starts_at": alert.starts_at, "last_received_at": alert.received_at, "symptom": False,
    }
