"""Heartbeat schedule (pure): configuration entries, due times with the restart grace, overdue, reports, sync plans."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from incidents.heartbeats.schedule import (
    HeartbeatRecord,
    HeartbeatSpec,
    HeartbeatState,
    describe,
    due_at,
    missed_report,
    overdue,
    parse_heartbeats,
    parse_interval,
    plan_sync,
    recovered_report,
)
from streams.alerts.model import AlertStatus, Envelope
from streams.alerts.normalize import normalize

T0 = datetime(2026, 1, 1, 8, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def record(
    name: str = "prom", *, state: HeartbeatState = HeartbeatState.OK, last_ping: float | None = 0,
    missed_since: float | None = None, interval: int = 120, labels: dict[str, str] | None = None,
) -> HeartbeatRecord:
    return HeartbeatRecord(
        name=name, interval_seconds=interval, labels=labels if labels is not None else {"site": "dc1"}, state=state,
        created_at=T0, last_ping_at=None if last_ping is None else at(last_ping),
        missed_since=None if missed_since is None else at(missed_since),
    )


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("2m", 120), ("1h", 3600), ("1h30m", 5400), ("1m30s", 90), (" 90s ", 90)]
)
def test_parse_interval(text: str, seconds: int) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "2", "2d", "0s", "1.5m", "m", "2m1h", "-1s", "745h"])
def test_parse_interval_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="interval"):
        parse_interval(text)


def test_parse_heartbeats_with_labels() -> None:
    assert parse_heartbeats(["prometheus-dc1=2m;site=dc1;room=r1", "backup.nightly=25h"]) == (
        HeartbeatSpec("prometheus-dc1", 120, {"site": "dc1", "room": "r1"}),
        HeartbeatSpec("backup.nightly", 90000, {}),
    )


@pytest.mark.parametrize(
    ("entries", "error"),
    [
        (["prom"], "heartbeats entry 1 ('prom'): must look like 'NAME=INTERVAL;KEY=VALUE…'"),
        (["Prom=2m"], "heartbeats entry 1 ('Prom=2m'): the name 'Prom' must be 1 to 128 of a-z"),
        (["a=2m", "a=3m"], "heartbeats entry 2 ('a=3m'): heartbeat 'a' is configured twice"),
        (["a=2x"], "heartbeats entry 1 ('a=2x'): interval '2x' must be whole numbers"),
        (["a=2m;site"], "label 'site' must be KEY=VALUE"),
        (["a=2m;site="], "label 'site=' must be KEY=VALUE"),
        (["a=2m;1x=y"], "label '1x=y' must be KEY=VALUE"),
        (["a=2m;alertname=x"], "label 'alertname' is reserved"),
        (["a=2m;heartbeat=x"], "label 'heartbeat' is reserved"),
        (["a=2m;site=a;site=b"], "label 'site' is given twice"),
    ],
)
def test_parse_heartbeats_names_the_bad_entry(entries: list[str], error: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_heartbeats(entries)
    assert error in str(caught.value)


@pytest.mark.parametrize(
    ("last_ping", "created", "started", "due"),
    [
        (at(100), at(0), at(50), at(220)),  # the last ping is the latest
        (None, at(0), at(-500), at(120)),  # never pinged: one interval from creation
        (at(10), at(0), at(300), at(420)),  # the monitor started later: its start counts as a ping
        (at(10), at(0), None, at(130)),  # no monitor (the CLI): no grace
    ],
)
def test_due_at_is_one_interval_after_the_latest(last_ping, created, started, due) -> None:
    assert due_at(last_ping, created, started, 120) == due


def test_overdue_only_after_the_due_time_and_never_twice() -> None:
    records = [record("b", last_ping=0), record("a", last_ping=100), record("c", state=HeartbeatState.MISSED, missed_since=120)]
    assert overdue(records, at(120), T0) == []
    assert [r.name for r in overdue(records, at(121), T0)] == ["b"]
    assert [r.name for r in overdue(records, at(1000), T0)] == ["a", "b"]


def test_a_restarted_monitor_waits_one_interval_before_reporting() -> None:
    quiet_for_an_hour = record(last_ping=0)
    assert overdue([quiet_for_an_hour], at(3600), at(3590)) == []
    assert [r.name for r in overdue([quiet_for_an_hour], at(3711), at(3590))] == ["prom"]


def test_missed_report_parses_to_a_firing_critical_alert() -> None:
    envelope = missed_report(record(last_ping=0), at(125), T0)
    assert (envelope.source, envelope.received_at, envelope.content_type) == ("heartbeat", at(125), "application/json")
    assert json.loads(envelope.body) == {
        "name": "prom", "status": "firing", "interval_seconds": 120, "labels": {"site": "dc1"},
        "last_ping_at": "2026-01-01T08:00:00.000Z", "due_at": "2026-01-01T08:02:00.000Z", "at": "2026-01-01T08:02:05.000Z",
    }
    (alert,) = normalize(envelope).alerts
    assert (alert.name, alert.resource, alert.status, alert.starts_at, alert.site) == (
        "HeartbeatMissed", "prom", AlertStatus.FIRING, at(120), "dc1"
    )


def test_report_ids_are_deterministic() -> None:
    first = missed_report(record(last_ping=0), at(125), T0)
    again = missed_report(record(last_ping=0), at(130), T0)  # sent again after a crash, at the next check
    later = missed_report(record(last_ping=500), at(700), T0)  # another occurrence
    assert first.envelope_id == again.envelope_id != later.envelope_id


def test_recovered_report_resolves_the_same_alert() -> None:
    missed = record(state=HeartbeatState.MISSED, last_ping=0, missed_since=120)
    firing = normalize(missed_report(record(last_ping=0), at(125), T0)).alerts[0]
    resolved = normalize(recovered_report(missed, at(300))).alerts[0]
    assert resolved.fingerprint == firing.fingerprint
    assert (resolved.status, resolved.starts_at, resolved.ends_at) == (AlertStatus.RESOLVED, at(120), at(300))


def test_only_a_missed_heartbeat_can_recover() -> None:
    with pytest.raises(ValueError, match="heartbeat 'prom' is ok, not missed"):
        recovered_report(record(), at(300))


def test_plan_sync_inserts_updates_and_deletes() -> None:
    stored = [record("same"), record("longer", interval=60), record("gone")]
    specs = [HeartbeatSpec("same", 120, {"site": "dc1"}), HeartbeatSpec("longer", 300, {"site": "dc1"}), HeartbeatSpec("new", 60)]
    plan = plan_sync(specs, stored, at(10))
    assert plan.insert == (HeartbeatSpec("new", 60),)
    assert plan.update == (HeartbeatSpec("longer", 300, {"site": "dc1"}),)
    assert (plan.delete, plan.rearm, plan.resolve) == (("gone",), (), ())


def test_plan_sync_resolves_removed_and_relabelled_missed_heartbeats() -> None:
    stored = [
        record("removed", state=HeartbeatState.MISSED, missed_since=120),
        record("moved", state=HeartbeatState.MISSED, missed_since=120),
        record("slower", state=HeartbeatState.MISSED, missed_since=120),
    ]
    specs = [HeartbeatSpec("moved", 120, {"site": "dc2"}), HeartbeatSpec("slower", 600, {"site": "dc1"})]
    plan = plan_sync(specs, stored, at(500))
    assert (plan.delete, plan.rearm) == (("removed",), ("moved",))
    resolved = [normalize(envelope).alerts[0] for envelope in plan.resolve]
    assert [(a.resource, a.status, a.site, a.ends_at) for a in resolved] == [
        ("removed", AlertStatus.RESOLVED, "dc1", at(500)), ("moved", AlertStatus.RESOLVED, "dc1", at(500))
    ]


def test_describe() -> None:
    assert describe(record(state=HeartbeatState.WAITING, last_ping=None), at(60)) == {
        "name": "prom", "interval_seconds": 120, "labels": {"site": "dc1"}, "state": "waiting",
        "last_ping_at": None, "due_at": "2026-01-01T08:03:00.000Z", "missed_since": None,
    }


def test_a_report_survives_a_topic() -> None:
    envelope = missed_report(record(), at(125), T0)
    assert Envelope.from_dict(json.loads(json.dumps(envelope.to_dict()))) == envelope
