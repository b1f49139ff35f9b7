"""Events that escalate at once (resolution target breached, runbook step overdue, escalated from the desk), and drills.

Hand-made events through `Paging.handle_event`, the timer loop and a recording channel, on both
databases and a fake clock. Policy (tests/notify/directories.py): 一线 (li.wei today) → 二线
(zhang.min) → the UPS vendor, 5 / 10 / 15 minutes.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from incidents.events import EventKind
from incidents.models import Incident
from notify.dispatcher import Dispatcher, DispatchPolicy
from notify.models import Escalation, OutboxMessage
from notify.paging import Paging
from notify.timers import TimerLoop
from tests.notify.directories import directory
from tests.notify.factories import make_event
from tests.notify.test_paging_flow import RecordingChannel


@pytest.fixture
def pager(sessions, incident_id, clock):
    """Paging for the test incident (P2), SMS and voice recorded."""
    sms, voice = RecordingChannel("sms"), RecordingChannel("voice")
    paging = Paging(sessions, directory())
    loop = TimerLoop(paging, Dispatcher(sessions, {"sms": sms, "voice": voice}, DispatchPolicy(rate_limits=())), clock)
    with sessions() as session, session.begin():
        session.get(Incident, incident_id).priority = "P2"
    return paging, loop, sms, voice


def pages(sessions, incident_id) -> list[tuple[int, str, str, str]]:
    """(step, recipient, channel, reason) of the incident's page rows, in order."""
    with sessions() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.incident_id == incident_id, OutboxMessage.purpose == "page")
            .order_by(OutboxMessage.id)
        )
        return [(row.escalation_level, row.recipient, row.channel, row.reason) for row in rows]


def acknowledge(sessions, paging, incident_id, clock) -> None:
    with sessions() as session, session.begin():
        incident = session.get(Incident, incident_id)
        incident.status, incident.acknowledged_at, incident.acknowledged_by = "acknowledged", clock.now(), "li.wei"
    paging.handle_event(make_event(EventKind.ACKNOWLEDGED, incident_id, actor="li.wei", via="sms"), clock.now())


@pytest.mark.parametrize(("kind", "detail", "reason"), [
    (EventKind.SLA_BREACHED, "resolution", "sla_breached"),
    (EventKind.RUNBOOK_STEP_OVERDUE, "step 3", "runbook_step_overdue"),
    (EventKind.ESCALATED, "", "escalated_by_hand"),
])
async def test_an_escalation_event_pages_the_next_level_of_an_acknowledged_incident_at_once_and_once(
    sessions, incident_id, clock, pager, kind, detail, reason
):
    paging, loop, sms, voice = pager
    paging.handle_event(make_event(EventKind.OPENED, incident_id), clock.now())
    await loop.tick()
    clock.advance(minutes=1)
    acknowledge(sessions, paging, incident_id, clock)
    clock.advance(minutes=30)
    event = make_event(kind, incident_id, detail=detail)
    paging.handle_event(event, clock.now())
    paging.handle_event(event, clock.now())  # the same event again: announced twice by its producer
    await loop.tick()
    assert [page for page in pages(sessions, incident_id) if page[0] == 2] == [
        (2, "zhang.min", "sms", reason), (2, "zhang.min", "voice", reason),
    ]
    assert [to for to, _ in sms.sent] == ["+8613800000001", "+8613800000003"]
    clock.advance(minutes=10)  # level 2's wait is over, but the incident is acknowledged: no level 3
    await loop.tick()
    assert len(sms.sent) == 2
    assert [to for to, _ in voice.sent] == ["+8613800000003"]  # the escalation's own call still goes
    with sessions() as session:
        assert session.scalars(select(Escalation)).one().status == "acknowledged"


async def test_a_breached_response_target_does_not_escalate(sessions, incident_id, clock, pager):
    paging, loop, sms, _ = pager
    paging.handle_event(make_event(EventKind.OPENED, incident_id), clock.now())
    await loop.tick()
    paging.handle_event(make_event(EventKind.SLA_BREACHED, incident_id, detail="response"), clock.now())
    await loop.tick()
    assert [step for step, *_ in pages(sessions, incident_id)] == [1, 1]


async def test_two_breaches_escalate_twice(sessions, incident_id, clock, pager):
    paging, loop, _, _ = pager
    paging.handle_event(make_event(EventKind.OPENED, incident_id), clock.now())
    await loop.tick()
    for n in (1, 2):
        paging.handle_event(make_event(EventKind.RUNBOOK_STEP_OVERDUE, incident_id, event_id=f"overdue-{n}"), clock.now())
    assert [(step, who) for step, who, channel, _ in pages(sessions, incident_id) if channel == "sms"] == [
        (1, "li.wei"), (2, "zhang.min"), (3, "vendor"),
    ]


async def test_a_drill_pages_only_its_participants_with_the_drill_marker(sessions, incident_id, clock, pager):
    paging, loop, sms, voice = pager
    with sessions() as session, session.begin():
        incident = session.get(Incident, incident_id)
        incident.drill, incident.drill_participants, incident.major = True, ["zhang.min", "chen.jie"], True
    paging.handle_event(make_event(EventKind.OPENED, incident_id), clock.now())
    paging.handle_event(make_event(EventKind.MAJOR_DECLARED, incident_id), clock.now())
    await loop.tick()
    assert sorted(to for to, _ in sms.sent) == ["+8613800000002", "+8613800000003"]  # not li.wei (on call), not duty
    bodies = dict(sms.sent)
    assert bodies["+8613800000002"].startswith("【演练】[P2][重大]")
    assert bodies["+8613800000003"].startswith("[DRILL][P2][MAJOR]")
    clock.advance(minutes=2)
    await loop.tick()
    calls = dict(voice.sent)
    assert sorted(calls) == ["+8613800000002", "+8613800000003"]
    assert "本次为演练" in calls["+8613800000002"] and "This is a drill" in calls["+8613800000003"]
    clock.advance(minutes=30)  # the drill's one level is over: no second line, no vendor
    await loop.tick()
    assert len(sms.sent) == 2
    with sessions() as session:
        row = session.scalars(select(Escalation)).one()
        assert (row.policy_id, row.status) == ("drill", "exhausted")
