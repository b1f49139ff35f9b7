"""Pager: one page per event however often it is handled, resend after a crash, failures recorded."""
from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY

from incidents.events import EventKind
from notify import outbox
from notify.channels.base import SendResult
from notify.pager import Pager
from notify.planner import DEFAULT_ROUTES, Route, plan_pages
from notify.render import render
from tests.notify.factories import T0, make_event


class RecordingChannel:
    """A channel that accepts everything and remembers it."""

    def __init__(self, name: str = "console") -> None:
        self.name = name
        self.sent: list[tuple[str, str]] = []

    async def send(self, *, recipient: str, body: str, timeout: float) -> SendResult:
        self.sent.append((recipient, body))
        return SendResult(ok=True, provider_id=f"{self.name}-{len(self.sent)}")


class HangingChannel:
    """A channel whose provider never answers."""

    name = "console"

    async def send(self, *, recipient: str, body: str, timeout: float) -> SendResult:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


def _pager(sessions, clock, channel, routes=DEFAULT_ROUTES, **kwargs) -> Pager:
    return Pager(sessions, {channel.name: channel}, routes, clock, **kwargs)


async def test_opened_event_handled_twice_pages_once(sessions, clock, incident_id):
    channel = RecordingChannel()
    pager = _pager(sessions, clock, channel)
    event = make_event(EventKind.OPENED, incident_id=incident_id)

    first = await pager.handle(event)
    second = await pager.handle(event)

    assert [(r.status, r.provider_id) for r in first] == [("sent", "console-1")]
    assert second == []
    assert channel.sent == [("on-call", first[0].body)]
    assert f"incident #{incident_id} at dc1" in first[0].body


async def test_row_recorded_but_never_sent_is_sent_exactly_once(sessions, clock, incident_id):
    event = make_event(EventKind.OPENED, incident_id=incident_id)
    intents = plan_pages(event, routes=DEFAULT_ROUTES).intents
    with sessions() as session, session.begin():  # the crash: recorded and committed, never sent
        outbox.record_intents(
            session=session, intents=intents, bodies=[render(i.template, i.context) for i in intents], now=T0
        )
    channel = RecordingChannel()
    pager = _pager(sessions, clock, channel)

    await pager.handle(event)
    await pager.handle(event)

    assert len(channel.sent) == 1
    with sessions() as session:
        (row,) = outbox.list_outbox(session=session, incident_id=incident_id)
    assert (row.status, row.provider_id) == ("sent", "console-1")


async def test_timed_out_send_marks_the_row_failed(sessions, clock, incident_id):
    pager = _pager(sessions, clock, HangingChannel(), send_timeout=0.01)

    (row,) = await pager.handle(make_event(EventKind.OPENED, incident_id=incident_id))

    assert (row.status, row.error, row.sent_at) == ("failed", "timed out after 0.01s", None)


async def test_unknown_channel_marks_the_row_failed(sessions, clock, incident_id):
    routes = (Route("on-call", "console"), Route("+8613800000000", "sms"))
    pager = _pager(sessions, clock, RecordingChannel(), routes=routes)

    rows = await pager.handle(make_event(EventKind.OPENED, incident_id=incident_id))

    assert [(r.channel, r.status, r.error) for r in rows] == [
        ("console", "sent", None),
        ("sms", "failed", "unknown channel 'sms' (configured: console)"),
    ]


async def test_resolved_sends_a_notice_after_the_page(sessions, clock, incident_id):
    channel = RecordingChannel()
    pager = _pager(sessions, clock, channel)

    await pager.handle(make_event(EventKind.OPENED, incident_id=incident_id))
    clock.advance(minutes=20)
    (notice,) = await pager.handle(make_event(EventKind.RESOLVED, incident_id=incident_id))

    assert (notice.escalation_level, notice.status, notice.sent_at) == (0, "sent", clock.now())
    assert [body.split(":")[0] for _, body in channel.sent] == [
        f"[alertdesk] CRITICAL incident #{incident_id} at dc1",
        f"[alertdesk] RESOLVED incident #{incident_id} at dc1",
    ]


async def test_non_pageable_event_pages_nobody(sessions, clock, incident_id):
    channel = RecordingChannel()

    rows = await _pager(sessions, clock, channel).handle(make_event(EventKind.ALERT_ATTACHED, incident_id=incident_id))

    assert rows == [] and channel.sent == []


async def test_pages_are_counted(sessions, clock, incident_id):
    def count(status):
        return REGISTRY.get_sample_value("alertdesk_pages_total", {"channel": "console", "status": status}) or 0.0

    before = count("sent"), count("failed")
    await _pager(sessions, clock, RecordingChannel()).handle(make_event(EventKind.OPENED, incident_id=incident_id))

    assert (count("sent"), count("failed")) == (before[0] + 1, before[1])


async def test_a_database_hiccup_after_sending_is_waited_out_not_sent_again(sessions, clock, incident_id, monkeypatch):
    from sqlalchemy.exc import OperationalError

    channel = RecordingChannel()
    pager = _pager(sessions, clock, channel)
    real_mark, calls = pager._mark, []

    def flaky_mark(*args):
        calls.append(args)
        if len(calls) == 1:  # SQLite's "database is locked" while another writer commits
            raise OperationalError("UPDATE outbox", {}, Exception("database is locked"))
        return real_mark(*args)

    monkeypatch.setattr(pager, "_mark", flaky_mark)
    done = await pager.handle(make_event(EventKind.OPENED, incident_id=incident_id))

    assert [row.status for row in done] == ["sent"] and len(calls) == 2
    assert len(channel.sent) == 1
