"""The heartbeat monitor and its store on SQLite and PostgreSQL, with a fake clock and a sink that records reports.

Time only moves when the test says so: a missed interval raises exactly one report, a ping
resolves it, a restarted monitor waits an interval, and a broker that does not acknowledge
leaves the state as it was so the next check reports again (with the same envelope id).
"""
from __future__ import annotations

import asyncio
import json
import threading

import pytest
from sqlalchemy import event, select

from incidents.heartbeats import store
from incidents.heartbeats.models import Heartbeat
from incidents.heartbeats.monitor import HeartbeatMonitor, HeartbeatUnavailable, UnknownHeartbeat
from incidents.heartbeats.schedule import HeartbeatSpec
from streams.alerts.receivers.sink import SinkUnavailable
from streams.clock import FakeClock
from tests.incidents.builders import NOW
from tests.incidents.heartbeat_sink import RecordingSink

SPECS = (HeartbeatSpec("prom-dc1", 120, {"site": "dc1"}), HeartbeatSpec("zabbix", 300))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def sessions(migrated_db):
    return migrated_db[1]


def monitor(sessions, sink, clock, specs=SPECS) -> HeartbeatMonitor:
    return HeartbeatMonitor(sessions, sink, clock, specs)


def states(sessions) -> dict[str, str]:
    with sessions() as session:
        return {record.name: str(record.state) for record in store.list_all(session=session)}


async def test_a_missed_interval_raises_one_alert_and_a_ping_resolves_it(sessions, sink, clock) -> None:
    heartbeats = monitor(sessions, sink, clock)
    await heartbeats.ping("prom-dc1")
    clock.advance(seconds=120)
    assert await heartbeats.check() == []  # due exactly now: not late yet

    clock.advance(seconds=1)
    assert await heartbeats.check() == ["prom-dc1"]
    clock.advance(seconds=5)
    assert await heartbeats.check() == []  # still missed: not reported again
    assert sink.reports() == [("prom-dc1", "firing")]
    assert states(sessions)["prom-dc1"] == "missed"

    clock.advance(seconds=60)
    answer = await heartbeats.ping("prom-dc1")
    assert sink.reports() == [("prom-dc1", "firing"), ("prom-dc1", "resolved")]
    assert answer["state"] == "ok" and answer["last_ping_at"] == "2026-01-01T08:03:06.000Z"
    assert answer["due_at"] == "2026-01-01T08:05:06.000Z"
    assert json.loads(sink.envelopes[1].body)["due_at"] == json.loads(sink.envelopes[0].body)["due_at"]

    await heartbeats.ping("prom-dc1")  # a ping of a healthy heartbeat reports nothing
    assert len(sink.envelopes) == 2


async def test_a_heartbeat_that_never_pings_goes_missed_one_interval_after_it_was_configured(sessions, sink, clock) -> None:
    heartbeats = monitor(sessions, sink, clock)
    await heartbeats.sync()
    assert states(sessions) == {"prom-dc1": "waiting", "zabbix": "waiting"}
    clock.advance(seconds=121)
    assert await heartbeats.check() == ["prom-dc1"]
    clock.advance(seconds=180)
    assert await heartbeats.check() == ["zabbix"]
    assert json.loads(sink.envelopes[1].body)["last_ping_at"] is None


async def test_a_restarted_monitor_does_not_fire_at_once(sessions, sink, clock) -> None:
    await monitor(sessions, sink, clock).ping("prom-dc1")
    clock.advance(hours=1)  # every worker was down for an hour: no ping could arrive
    restarted = monitor(sessions, sink, clock)
    assert await restarted.check() == []
    clock.advance(seconds=121)
    assert await restarted.check() == ["prom-dc1"]


async def test_an_unacknowledged_report_changes_nothing_and_the_next_check_reports_again(sessions, sink, clock) -> None:
    heartbeats = monitor(sessions, sink, clock)
    await heartbeats.ping("prom-dc1")
    clock.advance(seconds=121)
    sink.down = True
    with pytest.raises(SinkUnavailable):
        await heartbeats.check()
    assert states(sessions)["prom-dc1"] == "ok" and sink.envelopes == []

    sink.down = False
    clock.advance(seconds=5)
    assert await heartbeats.check() == ["prom-dc1"]
    assert states(sessions)["prom-dc1"] == "missed"


async def test_a_report_sent_again_after_a_failure_before_the_commit_has_the_same_id(sessions, sink, clock) -> None:
    heartbeats = monitor(sessions, sink, clock)
    await heartbeats.ping("prom-dc1")
    clock.advance(seconds=121)
    sink.fail_after_ack = True  # the broker has the report, then the worker fails before committing
    with pytest.raises(SinkUnavailable):
        await heartbeats.check()
    assert states(sessions)["prom-dc1"] == "ok"

    sink.fail_after_ack = False
    clock.advance(seconds=5)
    assert await heartbeats.check() == ["prom-dc1"]
    first, again = sink.envelopes
    assert first.envelope_id == again.envelope_id and json.loads(first.body)["due_at"] == json.loads(again.body)["due_at"]


async def test_a_ping_the_broker_does_not_acknowledge_is_refused_and_leaves_the_alert_firing(sessions, sink, clock) -> None:
    heartbeats = monitor(sessions, sink, clock)
    await heartbeats.sync()
    clock.advance(seconds=121)
    await heartbeats.check()
    sink.down = True
    with pytest.raises(HeartbeatUnavailable, match="heartbeat 'prom-dc1' not recorded: broker did not acknowledge"):
        await heartbeats.ping("prom-dc1")
    assert states(sessions)["prom-dc1"] == "missed"


async def test_an_unknown_name_is_refused_naming_the_configured_ones(sessions, sink, clock) -> None:
    with pytest.raises(UnknownHeartbeat, match="no heartbeat named 'nagios'; configured: prom-dc1, zabbix"):
        await monitor(sessions, sink, clock).ping("nagios")


async def test_a_new_configuration_deletes_removed_heartbeats_and_resolves_their_alerts(sessions, sink, clock) -> None:
    old = monitor(sessions, sink, clock)
    await old.sync()
    clock.advance(seconds=400)
    assert await old.check() == ["prom-dc1", "zabbix"]

    clock.advance(seconds=10)
    moved = (HeartbeatSpec("prom-dc1", 120, {"site": "dc2"}),)
    await monitor(sessions, sink, clock, moved).sync()
    assert sink.reports()[2:] == [("zabbix", "resolved"), ("prom-dc1", "resolved")]
    assert json.loads(sink.envelopes[3].body)["labels"] == {"site": "dc1"}  # resolves the alert as it was raised
    assert states(sessions) == {"prom-dc1": "waiting"}  # to be reported again, under its new labels
    with sessions() as session:
        assert session.scalar(select(Heartbeat.labels).where(Heartbeat.name == "prom-dc1")) == {"site": "dc2"}


async def test_list_all(sessions, sink, clock) -> None:
    heartbeats = monitor(sessions, sink, clock)
    await heartbeats.ping("zabbix")
    assert await heartbeats.list_all() == [
        {"name": "prom-dc1", "interval_seconds": 120, "labels": {"site": "dc1"}, "state": "waiting",
         "last_ping_at": None, "due_at": "2026-01-01T08:02:00.000Z", "missed_since": None},
        {"name": "zabbix", "interval_seconds": 300, "labels": {}, "state": "ok",
         "last_ping_at": "2026-01-01T08:00:00.000Z", "due_at": "2026-01-01T08:05:00.000Z", "missed_since": None},
    ]


async def test_a_ping_during_a_check_waits_for_it_and_then_resolves(migrated_db, sessions, sink, clock) -> None:
    checker, pinger = monitor(sessions, sink, clock), monitor(sessions, sink, clock)
    await checker.sync()
    clock.advance(seconds=121)
    sink.gate = asyncio.Event()
    check = asyncio.create_task(checker.check())
    await asyncio.wait_for(sink.entered.wait(), 10)  # the check has changed the row; its report is in flight

    ping_reached_the_row = threading.Event()

    def watch(_conn, _cursor, statement: str, *_args) -> None:
        # The ping waits for the check's lock: on PostgreSQL at the row, on SQLite at BEGIN IMMEDIATE.
        if statement.startswith("UPDATE heartbeats SET updated_at=heartbeats.updated_at") or statement == "BEGIN IMMEDIATE":
            ping_reached_the_row.set()

    event.listen(migrated_db[0], "before_cursor_execute", watch)
    ping = asyncio.create_task(pinger.ping("prom-dc1"))
    assert await asyncio.to_thread(ping_reached_the_row.wait, 10)
    sink.gate.set()
    assert await asyncio.wait_for(check, 30) == ["prom-dc1"]
    assert (await asyncio.wait_for(ping, 30))["state"] == "ok"
    assert sink.reports() == [("prom-dc1", "firing"), ("prom-dc1", "resolved")]
    assert states(sessions)["prom-dc1"] == "ok"


@pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_two_workers_checking_at_once_report_a_heartbeat_once(sessions, sink, clock) -> None:
    first, second = monitor(sessions, sink, clock), monitor(sessions, sink, clock)
    await first.sync()
    clock.advance(seconds=121)
    sink.gate = asyncio.Event()
    holding = asyncio.create_task(first.check())
    await asyncio.wait_for(sink.entered.wait(), 10)
    assert await asyncio.wait_for(second.check(), 10) == []  # the row is locked: skipped, not waited for
    sink.gate.set()
    assert await asyncio.wait_for(holding, 10) == ["prom-dc1"]
    assert await second.check() == []  # committed as missed: nothing left to report
    assert sink.reports() == [("prom-dc1", "firing")]
