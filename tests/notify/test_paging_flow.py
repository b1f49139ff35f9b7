"""Paging through the database with a fake clock: escalation steps become outbox rows, the dispatcher sends them.

The channel is a recording double (the unit boundary); the Twilio path over real HTTP is in
tests/e2e/test_paging_e2e.py.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from incidents.events import EventKind
from incidents.models import Incident
from notify.channels.base import SendResult
from notify.dispatcher import Dispatcher, DispatchPolicy
from notify.models import Escalation, OutboxMessage
from notify.paging import Paging
from notify.timers import TimerLoop
from tests.notify.directories import directory
from tests.notify.factories import make_event


class RecordingChannel:
    """Records every send; answers with the queued results (ok by default)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[tuple[str, str]] = []
        self.results: list[SendResult] = []

    async def send(self, *, recipient: str, body: str, timeout: float, message_id: int) -> SendResult:
        self.sent.append((recipient, body))
        if self.results:
            return self.results.pop(0)
        return SendResult(ok=True, provider_id=f"{self.name}-{len(self.sent)}")


@pytest.fixture
def setup(sessions, incident_id, clock):
    """Paging for the test incident (P2) with SMS and voice channels, on the fake clock."""
    d = directory()
    sms, voice = RecordingChannel("sms"), RecordingChannel("voice")
    paging = Paging(sessions, d)
    dispatcher = Dispatcher(sessions, {"sms": sms, "voice": voice}, DispatchPolicy(rate_limits=()))
    loop = TimerLoop(paging, dispatcher, clock)
    with sessions() as session, session.begin():
        session.get(Incident, incident_id).priority = "P2"
    return paging, loop, sms, voice


def rows(sessions, incident_id):
    with sessions() as session:
        return session.scalars(select(OutboxMessage).where(OutboxMessage.incident_id == incident_id).order_by(OutboxMessage.id)).all()


def add_second_incident(sessions, clock) -> int:
    """A second triggered P2 incident at the same site; returns its id."""
    with sessions() as session, session.begin():
        other = Incident(
            incident_key="inc-dc1-2", group_key="site=dc1/2", title="UPSOnBattery at site dc1", severity="critical",
            status="triggered", site="dc1", priority="P2", alert_count=1, opened_at=clock.now(), updated_at=clock.now(),
        )
        session.add(other)
        session.flush()
        return other.id


def set_status(sessions, incident_id, status):
    with sessions() as session, session.begin():
        session.get(Incident, incident_id).status = status


async def test_opened_texts_first_line_then_calls_then_escalates_to_second_line(sessions, incident_id, clock, setup):
    paging, loop, sms, voice = setup
    paging.handle_event(make_event(EventKind.OPENED, incident_id), clock.now())
    await loop.tick()
    assert [r for r, _ in sms.sent] == ["+8613800000001"]
    assert "ACK" in sms.sent[0][1] and f"{incident_id}" in sms.sent[0][1]
    assert voice.sent == []
    clock.advance(minutes=2)
    await loop.tick()
    assert [r for r, _ in voice.sent] == ["+8613800000001"]
    clock.advance(minutes=3)
    await loop.tick()
    assert [r for r, _ in sms.sent] == ["+8613800000001", "+8613800000003"]
    with sessions() as session:
        assert session.scalars(select(Escalation)).one().step == 2


async def test_replaying_the_opened_event_pages_nobody_twice(sessions, incident_id, clock, setup):
    paging, loop, sms, _ = setup
    for _ in range(2):
        paging.handle_event(make_event(EventKind.OPENED, incident_id), clock.now())
        await loop.tick()
    assert len(sms.sent) == 1


async def test_acknowledgement_cancels_the_waiting_call_and_tells_the_others(sessions, incident_id, clock, setup):
    paging, loop, sms, voice = setup
    paging.handle_event(make_event(EventKind.OPENED, incident_id), clock.now())
    await loop.tick()
    clock.advance(minutes=5)
    await loop.tick()  # li.wei called and zhang.min texted by now
    set_status(sessions, incident_id, "acknowledged")
    paging.handle_event(make_event(EventKind.ACKNOWLEDGED, incident_id, actor="zhang.min", via="sms"), clock.now())
    await loop.tick()
    clock.advance(minutes=30)
    await loop.tick()
    texts = [(r, b) for r, b in sms.sent]
    assert texts[-1][0] == "+8613800000001" and "张敏" in texts[-1][1]
    assert [r for r, _ in texts].count("+8613800000003") == 1  # the actor is not told
    statuses = {(r.recipient, r.contact, r.purpose): (r.status, r.reason) for r in rows(sessions, incident_id)}
    assert statuses[("zhang.min", "phone", "page")] == ("cancelled", "acknowledged")


async def test_quiet_hours_hold_a_p2_page_back_with_a_reason_and_escalation_goes_on(sessions, incident_id, clock):
    d = directory(quiet=True)
    sms = RecordingChannel("sms")
    paging = Paging(sessions, d)
    loop = TimerLoop(paging, Dispatcher(sessions, {"sms": sms, "voice": RecordingChannel("voice")}, DispatchPolicy(rate_limits=())), clock)
    with sessions() as session, session.begin():
        session.get(Incident, incident_id).priority = "P2"
    paging.handle_event(make_event(EventKind.OPENED, incident_id), clock.now())
    await loop.tick()
    assert sms.sent == []
    assert {(r.status, r.reason) for r in rows(sessions, incident_id)} == {("not_sent", "quiet_hours")}
    clock.advance(minutes=5)
    await loop.tick()
    assert [r for r, _ in sms.sent] == ["+8613800000003"]


async def test_quiet_hours_never_apply_to_p1(sessions, incident_id, clock):
    d = directory(quiet=True)
    sms = RecordingChannel("sms")
    paging = Paging(sessions, d)
    loop = TimerLoop(paging, Dispatcher(sessions, {"sms": sms, "voice": RecordingChannel("voice")}), clock)
    with sessions() as session, session.begin():
        session.get(Incident, incident_id).priority = "P1"
    paging.handle_event(make_event(EventKind.OPENED, incident_id), clock.now())
    await loop.tick()
    assert [r for r, _ in sms.sent] == ["+8613800000001"]


async def test_major_incident_pages_the_roles_at_once(sessions, incident_id, clock, setup):
    paging, loop, sms, _ = setup
    paging.handle_event(make_event(EventKind.OPENED, incident_id), clock.now())
    paging.handle_event(make_event(EventKind.MAJOR_DECLARED, incident_id), clock.now())
    await loop.tick()
    assert sorted(r for r, _ in sms.sent) == ["+8613800000001", "+8613800000005"]


async def test_provider_5xx_is_retried_with_backoff_then_delivered_once(sessions, incident_id, clock, setup):
    paging, loop, sms, _ = setup
    sms.results = [SendResult(ok=False, error="503", retryable=True)] * 2
    paging.handle_event(make_event(EventKind.OPENED, incident_id), clock.now())
    await loop.tick()
    clock.advance(seconds=2)
    await loop.tick()
    clock.advance(seconds=4)
    await loop.tick()
    assert len(sms.sent) == 3
    page = next(r for r in rows(sessions, incident_id) if r.contact == "mobile")
    assert (page.status, page.tries, page.provider_id) == ("sent", 3, "sms-3")


async def test_refused_number_fails_at_once_and_brings_the_call_forward(sessions, incident_id, clock, setup):
    paging, loop, sms, voice = setup
    sms.results = [SendResult(ok=False, error="invalid number", retryable=False)]
    paging.handle_event(make_event(EventKind.OPENED, incident_id), clock.now())
    await loop.tick()
    assert [r for r, _ in voice.sent] == ["+8613800000001"]  # not two minutes later


async def test_a_row_left_sending_by_a_dead_worker_is_sent_once_after_its_claim_expires(sessions, incident_id, clock, setup):
    paging, loop, sms, _ = setup
    paging.handle_event(make_event(EventKind.OPENED, incident_id), clock.now())
    write_first_step(paging, clock)
    with sessions() as session, session.begin():
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.contact == "mobile")).one()
        row.status, row.claimed_until = "sending", clock.now() + timedelta(seconds=60)
    await loop.tick()
    assert sms.sent == []
    clock.advance(seconds=61)
    await loop.tick()
    assert len(sms.sent) == 1


def write_first_step(paging, clock):
    """Write the first step's rows without sending them (as a worker that dies right after)."""
    paging.run_due_escalations(clock.now())


async def test_resolved_incident_stops_paging_even_if_the_event_was_lost(sessions, incident_id, clock, setup):
    paging, loop, sms, _ = setup
    paging.handle_event(make_event(EventKind.OPENED, incident_id), clock.now())
    await loop.tick()
    set_status(sessions, incident_id, "resolved")
    clock.advance(minutes=60)
    await loop.tick()
    assert len(sms.sent) == 1


async def test_two_calls_due_at_once_to_one_phone_are_placed_one_after_the_other(sessions, incident_id, clock, setup):
    paging, loop, sms, voice = setup
    other_id = add_second_incident(sessions, clock)
    for incident in (incident_id, other_id):
        paging.handle_event(make_event(EventKind.OPENED, incident), clock.now())
    await loop.tick()
    clock.advance(minutes=2)
    await loop.tick()
    assert len(voice.sent) == 1
    clock.advance(minutes=1)
    await loop.tick()
    assert len(voice.sent) == 2


async def test_a_merged_incident_stops_paging_and_tells_those_paged_to_follow_the_survivor(sessions, incident_id, clock, setup):
    paging, loop, sms, voice = setup
    paging.handle_event(make_event(EventKind.OPENED, incident_id), clock.now())
    await loop.tick()
    with sessions() as session, session.begin():  # someone is already on the survivor: it pages nobody here
        survivor = Incident(
            incident_key="inc-dc1-0", group_key="site=dc1/core", title="Core switch down", severity="critical",
            status="acknowledged", site="dc1", alert_count=9, opened_at=clock.now(), updated_at=clock.now(),
        )
        session.add(survivor)
        session.flush()
        absorbed = session.get(Incident, incident_id)
        absorbed.status, absorbed.merged_into, survivor_id = "closed", survivor.id, survivor.id
    paging.handle_event(make_event(EventKind.MERGED, survivor_id, event_id="evt-merge-survivor"), clock.now())
    paging.handle_event(make_event(EventKind.MERGED, incident_id, status="closed"), clock.now())
    await loop.tick()
    clock.advance(minutes=30)
    await loop.tick()
    assert [r for r, _ in sms.sent] == ["+8613800000001", "+8613800000001"]  # the page, then the notice
    assert f"已并入 #{survivor_id}" in sms.sent[-1][1] and voice.sent == []
    statuses = {(r.contact, r.purpose): (r.status, r.reason) for r in rows(sessions, incident_id) if r.recipient == "li.wei"}
    assert statuses[("phone", "page")] == ("cancelled", "merged")


async def test_a_burst_of_events_is_handled_in_one_transaction_and_kinds_paging_ignores_take_none(
    sessions, incident_id, clock, setup
):
    paging, loop, sms, _ = setup
    other_id = add_second_incident(sessions, clock)
    transactions = []
    event.listen(sessions.kw["bind"], "begin", transactions.append)
    burst = [make_event(EventKind.OPENED, incident_id), make_event(EventKind.OPENED, other_id),
             make_event(EventKind.MAJOR_DECLARED, incident_id), make_event(EventKind.ASSIGNED, other_id)]
    paging.handle_events(burst, clock.now())
    assert len(transactions) == 1
    paging.handle_events([make_event(EventKind.ASSIGNED, other_id)], clock.now())
    assert len(transactions) == 1
    paging.handle_events(burst, clock.now())  # replayed
    await loop.tick()
    texts = sorted((r.incident_id, r.recipient, r.status, r.reason)
                   for r in rows(sessions, incident_id) + rows(sessions, other_id) if r.channel == "sms")
    assert texts == [(incident_id, "duty", "sent", "major"), (incident_id, "li.wei", "sent", "first"),
                     (other_id, "li.wei", "sent", "first")]
    with sessions() as session:
        assert len(session.scalars(select(Escalation)).all()) == 2
