"""The timer loop's sweep pages triggered incidents whose OPENED or REOPENED never reached the pager.

Incidents are opened through the incident store, so their timelines are the writer's own; the
pager is simply never handed the event, as when a worker stops between the writer's commit and
the pager's read with the in-memory embedded broker.
"""
from __future__ import annotations

import dataclasses
import threading

from sqlalchemy import select

from incidents import actions
from incidents.models import Incident
from incidents.store import apply_command
from notify import escalation_store
from notify.dispatcher import Dispatcher, DispatchPolicy
from notify.models import Escalation, OutboxMessage
from notify.paging import UNPAGED_SETTLE, Paging
from notify.timers import SWEEP_INTERVAL, TimerLoop
from streams.correlation.commands import CommandKind, IncidentFacts
from tests.incidents.builders import command
from tests.notify.directories import directory
from tests.notify.test_paging_flow import RecordingChannel


def _loop(sessions, clock):
    sms, voice = RecordingChannel("sms"), RecordingChannel("voice")
    paging = Paging(sessions, directory())
    loop = TimerLoop(paging, Dispatcher(sessions, {"sms": sms, "voice": voice}, DispatchPolicy(rate_limits=())), clock)
    return paging, loop, sms


def _open(sessions, clock, *, major: bool = False) -> tuple[int, list]:
    """Open an incident the way the writer does; return its id and the events the pager was never handed."""
    opening = command(CommandKind.OPEN, "inc-ups-1")
    if major:
        facts = IncidentFacts(priority="P1", major=True, major_reason="UPS on battery")
        opening = dataclasses.replace(opening, facts=facts)
    with sessions() as session, session.begin():
        events = apply_command(session=session, command=opening, now=clock.now())
    return events[0].incident_id, events


def _pages(sessions, incident_id):
    with sessions() as session:
        return session.scalars(
            select(OutboxMessage).where(OutboxMessage.incident_id == incident_id).order_by(OutboxMessage.id)
        ).all()


async def test_an_incident_whose_opened_event_was_lost_is_paged_once_it_has_settled(sessions, clock):
    paging, loop, sms = _loop(sessions, clock)
    incident_id, (opened,) = _open(sessions, clock)
    await loop.tick()
    assert sms.sent == []  # the pager may still read OPENED itself
    clock.advance(seconds=UNPAGED_SETTLE.total_seconds() + SWEEP_INTERVAL.total_seconds())
    await loop.tick()
    assert [recipient for recipient, _ in sms.sent] == ["+8613800000001"]
    pages = [(r.purpose, r.cycle, r.escalation_level, r.channel, r.status) for r in _pages(sessions, incident_id)]
    assert pages == [("page", 1, 1, "sms", "sent"), ("page", 1, 1, "voice", "pending")]  # the call waits its turn
    clock.advance(seconds=SWEEP_INTERVAL.total_seconds())
    await loop.tick()
    paging.handle_event(opened, clock.now())  # the event turns up after all
    await loop.tick()
    assert len(sms.sent) == 1


async def test_the_sweep_leaves_alone_what_the_pager_handled(sessions, clock):
    paging, loop, sms = _loop(sessions, clock)
    incident_id, (opened,) = _open(sessions, clock)
    paging.handle_event(opened, clock.now())
    await loop.tick()
    clock.advance(seconds=60)
    assert paging.page_unpaged(clock.now()) == 0
    with sessions() as session, session.begin():
        actions.acknowledge(
            session=session, incident_id=incident_id, actor="li.wei", via="sms", now=clock.now(), request_id="ack-1"
        )
    with sessions() as session, session.begin():
        session.delete(session.scalars(select(Escalation)).one())
    assert paging.page_unpaged(clock.now()) == 0  # acknowledged: someone is on it


async def test_a_major_incident_whose_opened_event_was_lost_also_pages_the_major_roles(sessions, clock):
    _, loop, sms = _loop(sessions, clock)
    _open(sessions, clock, major=True)
    clock.advance(seconds=UNPAGED_SETTLE.total_seconds())
    await loop.tick()
    assert sorted(recipient for recipient, _ in sms.sent) == ["+8613800000001", "+8613800000005"]


async def test_a_reopened_incident_whose_reopened_event_was_lost_escalates_again_as_a_new_cycle(sessions, clock):
    paging, loop, sms = _loop(sessions, clock)
    incident_id, (opened,) = _open(sessions, clock)
    paging.handle_event(opened, clock.now())
    await loop.tick()
    with sessions() as session, session.begin():
        resolved = actions.resolve(
            session=session, incident_id=incident_id, actor="li.wei", via="ui", now=clock.now(), request_id="r-1"
        )
    paging.handle_event(resolved[0], clock.now())
    await loop.tick()
    clock.advance(minutes=10)
    with sessions() as session, session.begin():
        actions.reopen(
            session=session, incident_id=incident_id, actor="li.wei", via="ui", now=clock.now(), request_id="o-1"
        )
    await loop.tick()
    with sessions() as session:
        row = session.scalars(select(Escalation)).one()
        assert (row.cycle, row.status) == (2, "active")
    texts = [(r.cycle, r.escalation_level, r.status) for r in _pages(sessions, incident_id) if r.channel == "sms"]
    assert texts == [(1, 1, "sent"), (2, 1, "sent")]
    assert sms.sent[-1][0] == "+8613800000001"


def test_two_workers_starting_the_same_escalation_at_once_keep_one_row(sessions, clock):
    incident_id, _ = _open(sessions, clock)
    policy = directory().policies["machine-room"]
    first = sessions()
    first.begin()
    mine = escalation_store.begin(session=first, incident_id=incident_id, policy=policy, priority="P2", now=clock.now())
    rows: list[int] = []

    def second_worker() -> None:
        with sessions() as session, session.begin():
            theirs = escalation_store.begin(
                session=session, incident_id=incident_id, policy=policy, priority="P2", now=clock.now()
            )
            rows.append(theirs.id)

    other = threading.Thread(target=second_worker)
    other.start()
    other.join(timeout=0.5)  # it waits for the first transaction (PostgreSQL's unique index, SQLite's write lock)
    first.commit()
    first.close()
    other.join(timeout=30)
    assert rows == [mine.id]
    with sessions() as session:
        assert session.query(Incident).count() == 1 and len(session.scalars(select(Escalation)).all()) == 1
