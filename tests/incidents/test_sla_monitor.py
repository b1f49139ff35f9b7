"""The SLA monitor on SQLite and PostgreSQL with a fake clock: warnings and breaches announced once, acknowledgement
and resolution stop the clocks, two monitors racing mark once, a failed publish loses nothing."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from incidents import actions
from incidents.events import EventKind, IncidentEvent
from incidents.models import Incident, TimelineEvent
from incidents.sla.monitor import SlaMonitor
from incidents.sla.targets import DEFAULT_POLICY
from incidents.store import apply_command
from streams.clock import FakeClock
from streams.correlation.commands import CommandKind, IncidentFacts
from tests.incidents.builders import NOW, command

WARNING, BREACHED = EventKind.SLA_WARNING, EventKind.SLA_BREACHED
#: Far beyond any healthy tick: only a deadlock takes this long (SQLite gives up on its lock after 30 s).
DEADLOCK_S = 25.0
# P1 on 24x7: response due after 15 minutes (warning at 12), resolution after 4 hours (warning at 3h12m).


class Recorder:
    """A publish function that appends what it is given, or fails while `failing` is set."""

    def __init__(self) -> None:
        self.events: list[IncidentEvent] = []
        self.failing = False

    async def __call__(self, event: IncidentEvent) -> None:
        if self.failing:
            raise ConnectionError("broker away")
        self.events.append(event)

    def seen(self) -> list[tuple[EventKind, str, str]]:
        return [(event.kind, event.detail, event.incident_key) for event in self.events]


def open_incident(factory, key: str = "k1", priority: str = "P1", group: str = "g1") -> int:
    opening = command(CommandKind.OPEN, key, group_key=group, fingerprint=f"fp-{key}")
    cmd = replace(opening, facts=IncidentFacts(priority=priority))
    with factory() as session, session.begin():
        events = apply_command(session=session, command=cmd, now=NOW, sla=DEFAULT_POLICY)
    return events[0].incident_id


def prioritize(factory, key: str, priority: str, n: int) -> None:
    cmd = replace(command(CommandKind.PRIORITIZE, key, fingerprint=None, n=n), facts=IncidentFacts(priority=priority))
    with factory() as session, session.begin():
        apply_command(session=session, command=cmd, now=NOW, sla=DEFAULT_POLICY)


def act(factory, action, incident_id: int, clock: FakeClock) -> None:
    with factory() as session, session.begin():
        action(
            session=session, incident_id=incident_id, actor="li.wei", via="api", now=clock.now(),
            request_id=action.__name__,
        )


def at(clock: FakeClock, monitor: SlaMonitor, **delta: float) -> list[IncidentEvent]:
    """Move the clock to NOW + delta and tick once."""
    clock.current = NOW + timedelta(**delta)
    return asyncio.run(monitor.tick())


def breaches(kind: str) -> float:
    """The monitor's `alertdesk_sla_breaches_total{kind}` so far."""
    return REGISTRY.get_sample_value("alertdesk_sla_breaches_total", {"kind": kind}) or 0.0


def sla_event_ids(factory, incident_id: int) -> list[str]:
    with factory() as session:
        return session.scalars(
            select(TimelineEvent.event_id)
            .where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind.like("sla%"))
            .order_by(TimelineEvent.id)
        ).all()


@pytest.fixture
def setup(migrated_db):
    _, factory = migrated_db
    clock, recorder = FakeClock(NOW), Recorder()
    return factory, clock, recorder, SlaMonitor(factory, recorder, clock)


def test_each_warning_and_breach_is_announced_once_at_its_time(setup):
    factory, clock, recorder, monitor = setup
    incident_id = open_incident(factory)
    breaches_before = {kind: breaches(kind) for kind in ("response", "resolution")}
    assert at(clock, monitor, minutes=11) == []
    assert [(e.kind, e.detail) for e in at(clock, monitor, minutes=12)] == [(WARNING, "response")]
    assert at(clock, monitor, minutes=13) == []
    assert [(e.kind, e.detail) for e in at(clock, monitor, minutes=15)] == [(BREACHED, "response")]
    assert [(e.kind, e.detail) for e in at(clock, monitor, hours=3, minutes=12)] == [(WARNING, "resolution")]
    assert [(e.kind, e.detail) for e in at(clock, monitor, hours=4)] == [(BREACHED, "resolution")]
    assert at(clock, monitor, hours=5) == []
    assert len(recorder.events) == 4
    assert {kind: breaches(kind) - before for kind, before in breaches_before.items()} == {
        "response": 1, "resolution": 1
    }
    with factory() as session:
        row = session.get(Incident, incident_id)
        assert row.response_warned_at == NOW + timedelta(minutes=12)
        assert row.response_breached_at == NOW + timedelta(minutes=15)
        assert row.resolution_breached_at == NOW + timedelta(hours=4)
        timeline = session.scalars(
            select(TimelineEvent.kind).where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind.like("sla%"))
        ).all()
    assert timeline == ["sla_warning", "sla_breached", "sla_warning", "sla_breached"]
    assert [event.event_id for event in recorder.events] == sla_event_ids(factory, incident_id)


def test_a_late_tick_announces_the_breach_and_not_the_stale_warning(setup):
    factory, clock, recorder, monitor = setup
    incident_id = open_incident(factory)
    assert [(e.kind, e.detail) for e in at(clock, monitor, minutes=30)] == [(BREACHED, "response")]
    with factory() as session:
        assert session.get(Incident, incident_id).response_warned_at == NOW + timedelta(minutes=30)
    assert at(clock, monitor, minutes=31) == []


def test_acknowledgement_stops_the_response_clock_only(setup):
    factory, clock, recorder, monitor = setup
    incident_id = open_incident(factory)
    clock.current = NOW + timedelta(minutes=5)
    act(factory, actions.acknowledge, incident_id, clock)
    assert at(clock, monitor, minutes=20) == []
    assert [(e.kind, e.detail) for e in at(clock, monitor, hours=4)] == [(BREACHED, "resolution")]


def test_a_reopened_incident_that_was_acknowledged_does_not_breach_response(setup):
    factory, clock, recorder, monitor = setup
    incident_id = open_incident(factory)
    clock.current = NOW + timedelta(minutes=5)
    act(factory, actions.acknowledge, incident_id, clock)
    act(factory, actions.resolve, incident_id, clock)
    act(factory, actions.reopen, incident_id, clock)
    assert at(clock, monitor, minutes=20) == []


def test_a_resolved_incident_breaches_nothing(setup):
    factory, clock, recorder, monitor = setup
    incident_id = open_incident(factory)
    clock.current = NOW + timedelta(minutes=1)
    act(factory, actions.resolve, incident_id, clock)
    assert at(clock, monitor, hours=10) == []


def test_a_lower_priority_undoes_a_breach_and_the_same_deadline_is_not_announced_twice(setup):
    factory, clock, recorder, monitor = setup
    incident_id = open_incident(factory)
    at(clock, monitor, minutes=16)
    prioritize(factory, "k1", "P3", n=1)  # response 2h: not breached after all
    with factory() as session:
        assert session.get(Incident, incident_id).response_breached_at is None
    assert at(clock, monitor, minutes=17) == []
    prioritize(factory, "k1", "P1", n=2)  # back to the deadline already announced
    assert at(clock, monitor, minutes=18) == []
    with factory() as session:
        assert session.get(Incident, incident_id).response_breached_at == NOW + timedelta(minutes=18)
    assert [(e.kind, e.detail) for e in recorder.events] == [(BREACHED, "response")]


def test_a_failed_publish_marks_nothing_and_the_next_tick_announces(setup):
    factory, clock, recorder, monitor = setup
    incident_id = open_incident(factory)
    recorder.failing = True
    with pytest.raises(ConnectionError):
        at(clock, monitor, minutes=15)
    with factory() as session:
        assert session.get(Incident, incident_id).response_breached_at is None
    assert sla_event_ids(factory, incident_id) == []
    recorder.failing = False
    assert [(e.kind, e.detail) for e in at(clock, monitor, minutes=16)] == [(BREACHED, "response")]


def test_incidents_without_deadlines_are_left_alone(setup):
    factory, clock, recorder, monitor = setup
    with factory() as session, session.begin():  # opened before the SLA migration
        session.add(Incident(incident_key="old", group_key="g0", title="t", severity="major", status="triggered",
                             opened_at=NOW, updated_at=NOW))
    assert at(clock, monitor, days=30) == []


def test_a_backlog_drains_in_bounded_batches(migrated_db):
    _, factory = migrated_db
    clock, recorder = FakeClock(NOW), Recorder()
    monitor = SlaMonitor(factory, recorder, clock, batch=2)
    for n in range(3):
        open_incident(factory, key=f"k{n}", group=f"g{n}")
    assert len(at(clock, monitor, minutes=16)) == 2
    assert len(at(clock, monitor, minutes=16)) == 1
    assert sorted(key for _, _, key in recorder.seen()) == ["k0", "k1", "k2"]


def test_two_monitors_racing_announce_each_breach_once(migrated_db):
    _, factory = migrated_db
    for n in range(5):
        open_incident(factory, key=f"k{n}", group=f"g{n}")
    clock = FakeClock(NOW + timedelta(minutes=15))
    first, second = Recorder(), Recorder()
    gate = asyncio.Event()

    async def held(event: IncidentEvent) -> None:  # the first monitor holds its transaction open mid-publish
        await first(event)
        await gate.wait()

    async def race() -> None:
        one = asyncio.create_task(SlaMonitor(factory, held, clock).tick())
        while not first.events:
            await asyncio.sleep(0.01)
        two = asyncio.create_task(SlaMonitor(factory, second, clock).tick())
        await asyncio.sleep(0.2)  # let the second reach the marked rows; the outcome must not depend on it
        gate.set()
        await asyncio.gather(one, two)

    asyncio.run(race())
    announced = first.seen() + second.seen()
    assert sorted(key for _, _, key in announced) == [f"k{n}" for n in range(5)]
    assert {(kind, detail) for kind, detail, _ in announced} == {(BREACHED, "response")}
    with factory() as session:
        marks = session.scalars(select(TimelineEvent.kind).where(TimelineEvent.kind == "sla_breached")).all()
    assert len(marks) == 5


def test_a_tick_commits_while_every_executor_thread_waits_for_its_lock(setup):
    """The tick's transaction holds the incident's row (and SQLite's write lock) while it publishes; a
    writer that takes the executor's last thread meanwhile must not keep the tick from committing (its
    commit used to need a thread of its own: a 30-s stall on SQLite, a hang on PostgreSQL)."""
    factory, clock, recorder, monitor = setup
    incident_id = open_incident(factory)
    competitor: list[asyncio.Future] = []

    def competing_write() -> str:
        with factory() as session, session.begin():
            session.get(Incident, incident_id).title += " (edited)"
        return "committed"

    async def publish_and_compete(event: IncidentEvent) -> None:
        competitor.append(asyncio.get_running_loop().run_in_executor(None, competing_write))
        await asyncio.sleep(0.2)  # the competitor has the only thread and waits for the row
        await recorder(event)

    async def scenario() -> tuple[list[IncidentEvent], str]:
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=1))
        contended = SlaMonitor(factory, publish_and_compete, clock)
        clock.current = NOW + timedelta(minutes=15)
        events = await asyncio.wait_for(contended.tick(), DEADLOCK_S)
        return events, await asyncio.wait_for(competitor[0], DEADLOCK_S)

    events, outcome = asyncio.run(scenario())
    assert [(e.kind, e.detail) for e in events] == [(BREACHED, "response")]
    assert outcome == "committed"
    with factory() as session:
        row = session.get(Incident, incident_id)
        assert row.response_breached_at == NOW + timedelta(minutes=15)
        assert row.title.endswith(" (edited)")
