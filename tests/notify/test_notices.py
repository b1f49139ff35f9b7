"""Shift handoff notices and silence reminders: planned into the outbox by the timer loop, sent by the dispatcher.

一线 (tests/notify/directories.py) hands off every day at 09:00 Shanghai = 01:00 UTC, li.wei and
chen.jie taking turns; on 2026-01-02 li.wei hands over to chen.jie.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from incidents.silences import store as silence_store
from incidents.silences.models import SilenceRow
from notify.dispatcher import Dispatcher, DispatchPolicy
from notify.handoffs import handoffs_between
from notify.message_text import MessageText
from notify.models import OutboxMessage
from notify.notices import Notices
from notify.paging import Paging
from notify.silence_reminders import duration_text
from notify.timers import TimerLoop
from streams.alerts.matchers import Matcher
from streams.alerts.silences import Silence
from streams.clock import FakeClock
from tests.notify.directories import directory
from tests.notify.test_paging_flow import RecordingChannel

HANDOFF = datetime(2026, 1, 2, 1, 0, tzinfo=timezone.utc)
GRACE = timedelta(minutes=15)


def notices(sessions, d=None) -> Notices:
    return Notices(sessions, d or directory(), MessageText(), handoff_grace=GRACE,
                   remind_before_expiry=timedelta(minutes=30), remind_open_after=timedelta(days=1))


@pytest.fixture
def pager(sessions):
    """A timer loop with notices, SMS recorded, on a fake clock."""
    clock = FakeClock(HANDOFF - timedelta(minutes=8))
    sms = RecordingChannel("sms")
    dispatcher = Dispatcher(sessions, {"sms": sms}, DispatchPolicy(rate_limits=(), handoff_grace=GRACE))
    return TimerLoop(Paging(sessions, directory()), dispatcher, clock, notices=notices(sessions)), clock, sms


def outbox_rows(sessions) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_handoffs_between_names_who_comes_on_call_who_leaves_and_until_when():
    (notice,) = handoffs_between(directory(), HANDOFF - timedelta(minutes=5), HANDOFF + timedelta(minutes=10))
    assert (notice.schedule_id, notice.person, notice.previous) == ("line1", "chen.jie", ("li.wei",))
    assert (notice.at, notice.ends) == (HANDOFF, HANDOFF + timedelta(days=1))
    assert handoffs_between(directory(), HANDOFF, HANDOFF + timedelta(hours=23)) == ()


@pytest.mark.parametrize(("duration", "text"), [
    (timedelta(minutes=25, seconds=10), "25m10s"), (timedelta(days=1, hours=2, minutes=5), "1d2h"),
    (timedelta(days=1, minutes=5), "1d5m"), (timedelta(0), "0s"), (timedelta(seconds=-3), "0s"),
])
def test_duration_text(duration, text):
    assert duration_text(duration) == text


async def test_the_incoming_engineer_is_told_when_the_shift_starts_not_before(sessions, pager):
    loop, clock, sms = pager
    await loop.tick()
    (row,) = outbox_rows(sessions)
    assert (row.purpose, row.recipient, row.status, row.due_at) == ("handoff", "chen.jie", "pending", HANDOFF)
    assert sms.sent == []
    clock.advance(minutes=8)
    await loop.tick()
    assert sms.sent == [("+8613800000002", "[交班] 你已接手 一线 值班（2026-01-02 09:00 至 2026-01-03 09:00），上一班 李伟。当前没有未关闭事件。")]
    assert outbox_rows(sessions)[0].status == "sent"


async def test_several_workers_plan_one_notice(sessions, pager):
    loop, clock, sms = pager
    now = clock.now()
    assert notices(sessions).plan_handoffs(now) == 1
    assert notices(sessions).plan_handoffs(now) == 1  # the same row, found by its key
    await loop.tick()
    assert len(outbox_rows(sessions)) == 1


async def test_a_shift_that_began_while_the_pager_was_down_past_the_grace_is_not_announced(sessions, pager):
    loop, clock, sms = pager
    await loop.tick()  # planned at 00:52, then every pager is down until 01:20
    clock.advance(minutes=28)
    await loop.tick()
    (row,) = outbox_rows(sessions)
    assert (row.status, row.reason) == ("not_sent", "missed_handoff")
    assert sms.sent == []


async def test_a_pager_back_within_the_grace_still_plans_and_sends_the_notice(sessions, pager):
    loop, clock, sms = pager
    clock.advance(minutes=8 + 10)  # down across the handoff, back 10 minutes after it: nothing planned yet
    await loop.tick()
    assert [recipient for recipient, _ in sms.sent] == ["+8613800000002"]


def add_silence(sessions, *, created_by: str, starts_at: datetime, ends_at: datetime, silence_id: str = "s-1") -> None:
    silence = Silence(id=silence_id, matchers=(Matcher("alertname", "=", "UPSOnBattery"),), starts_at=starts_at,
                      ends_at=ends_at, created_by=created_by, comment="更换电池", created_at=starts_at)
    with sessions() as session, session.begin():
        silence_store.add_silence(session=session, silence=silence)


async def test_an_expiring_silence_reminds_its_creator_once_in_their_language(sessions, pager):
    loop, clock, sms = pager
    now = clock.now()
    add_silence(sessions, created_by="li.wei", starts_at=now - timedelta(hours=2), ends_at=now + timedelta(minutes=20))
    add_silence(sessions, created_by="zhang.min", starts_at=now - timedelta(days=1, hours=1), ends_at=now + timedelta(hours=5),
                silence_id="s-2")
    await loop.tick()
    await loop.tick()
    assert sorted(sms.sent) == [
        ("+8613800000001", "[静默] 静默 s-1 将在 20m 后到期，工作未完成请延长。（更换电池）"),
        ("+8613800000003", "[SILENCE] Silence s-2 has been open for more than 1d, 5h left: expire it if the work is done. "
                           "(更换电池)"),
    ]
    reminders = [row for row in outbox_rows(sessions) if row.purpose == "reminder"]
    assert [(row.recipient, row.status) for row in reminders] == [("li.wei", "sent"), ("zhang.min", "sent")]
    with sessions() as session:
        marked = {row.id: (row.expiry_reminded_at, row.long_open_reminded_at) for row in session.scalars(select(SilenceRow))}
    assert marked == {"s-1": (now, None), "s-2": (None, now)}


async def test_a_silence_by_someone_not_in_the_directory_is_logged_once(sessions, pager, caplog):
    loop, clock, sms = pager
    now = clock.now()
    add_silence(sessions, created_by="ops-script", starts_at=now - timedelta(hours=2), ends_at=now + timedelta(minutes=20))
    with caplog.at_level(logging.WARNING, logger="notify.notices"):
        await loop.tick()
        clock.advance(minutes=1)
        await loop.tick()
    assert [r.getMessage() for r in caplog.records if "ops-script" in r.getMessage()] == [
        "silence reminder for ops-script, who is not in the paging directory: "
        "silence s-1 (alertname=\"UPSOnBattery\"; 更换电池) expires at 2026-01-02T01:12:00.000Z"
    ]
    assert [row for row in outbox_rows(sessions) if row.purpose == "reminder"] == []


def test_notices_refuse_a_non_positive_grace(sessions):
    with pytest.raises(ValueError, match="handoff_grace must be positive"):
        Notices(sessions, directory(), MessageText(), handoff_grace=timedelta(0),
                remind_before_expiry=timedelta(minutes=1), remind_open_after=timedelta(hours=1))
