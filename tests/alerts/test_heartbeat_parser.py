"""The heartbeat report parser: firing and resolved reports, labels and location, Chinese summary, strict errors."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from streams.alerts.fingerprint import label_fingerprint
from streams.alerts.model import AlertStatus, Severity
from streams.alerts.parsers import ParseError
from streams.alerts.parsers.heartbeat import format_interval, parse_heartbeat

RECEIVED = datetime(2026, 1, 1, 8, 2, 5, 123456, tzinfo=timezone.utc)
REPORT = {
    "name": "prometheus-dc1", "status": "firing", "interval_seconds": 120,
    "labels": {"site": "dc1", "room": "r1", "team": "infra"},
    "last_ping_at": "2026-01-01T08:00:00.000Z", "due_at": "2026-01-01T08:02:00.000Z", "at": "2026-01-01T08:02:05.000Z",
}


def parse(**changes: object) -> list:
    body = {**REPORT, **changes}
    return parse_heartbeat(json.dumps({k: v for k, v in body.items() if v is not ...}), received_at=RECEIVED, source="heartbeat")


def test_firing_report() -> None:
    (alert,) = parse()
    labels = {"alertname": "HeartbeatMissed", "heartbeat": "prometheus-dc1", "site": "dc1", "room": "r1", "team": "infra"}
    assert alert.labels == labels and alert.fingerprint == label_fingerprint(labels)
    assert (alert.name, alert.resource, alert.severity, alert.status, alert.source) == (
        "HeartbeatMissed", "prometheus-dc1", Severity.CRITICAL, AlertStatus.FIRING, "heartbeat"
    )
    assert alert.location == {"site": "dc1", "room": "r1"}
    assert alert.starts_at == datetime(2026, 1, 1, 8, 2, tzinfo=timezone.utc) and alert.ends_at is None
    assert alert.received_at == datetime(2026, 1, 1, 8, 2, 5, 123000, tzinfo=timezone.utc)


def test_summaries_in_english_and_chinese() -> None:
    (alert,) = parse()
    assert alert.annotations["summary"] == "Heartbeat prometheus-dc1 missed: no ping for more than 2m"
    assert alert.annotations["summary_zh"] == "监控源 prometheus-dc1 心跳丢失：超过 2m 未收到"
    assert "last ping: 2026-01-01T08:00:00+00:00" in alert.annotations["description"]
    (never,) = parse(last_ping_at=None)
    assert "last ping: never" in never.annotations["description"]


def test_resolved_report_ends_at_the_ping_and_matches_the_firing_one() -> None:
    (firing,) = parse()
    (resolved,) = parse(status="resolved", at="2026-01-01T08:10:00Z")
    assert resolved.fingerprint == firing.fingerprint
    assert (resolved.status, resolved.ends_at) == (AlertStatus.RESOLVED, datetime(2026, 1, 1, 8, 10, tzinfo=timezone.utc))


def test_no_labels_means_no_location() -> None:
    (alert,) = parse(labels={})
    assert alert.location == {} and alert.site == ""


@pytest.mark.parametrize(("seconds", "text"), [(30, "30s"), (120, "2m"), (90, "1m30s"), (7200, "2h"), (5430, "1h30m30s")])
def test_format_interval(seconds: int, text: str) -> None:
    assert format_interval(seconds) == text


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"name": ...}, "heartbeat report: 'name' is required"),
        ({"due_at": ...}, "heartbeat report: 'due_at' is required"),
        ({"extra": 1}, "heartbeat report: unknown field 'extra'"),
        ({"name": "Prom DC1"}, "heartbeat report: 'name' must be 1 to 128 of a-z, 0-9"),
        ({"name": 7}, "heartbeat report: 'name' must be a string, got number"),
        ({"status": "pending"}, "heartbeat report: 'status' must be one of firing, resolved, got 'pending'"),
        ({"interval_seconds": 0}, "heartbeat report: 'interval_seconds' must be a whole number from 1 to 2678400, got 0"),
        ({"interval_seconds": True}, "'interval_seconds' must be a whole number from 1 to 2678400, got boolean"),
        ({"interval_seconds": "2m"}, "'interval_seconds' must be a whole number from 1 to 2678400, got string"),
        ({"labels": {"site": 1}}, "heartbeat report: 'labels.site' must be a string, got number"),
        ({"labels": {"alertname": "x"}}, "heartbeat report: 'labels.alertname' is reserved"),
        ({"due_at": "yesterday"}, "heartbeat report: 'due_at' is not an RFC 3339 timestamp"),
        ({"due_at": None}, "heartbeat report: 'due_at' must be an RFC 3339 timestamp, not null"),
        ({"at": "2026-01-01T08:00:00"}, "heartbeat report: 'at' is not an RFC 3339 timestamp"),
        ({"status": "resolved", "at": "2026-01-01T07:00:00Z"}, "heartbeat report: 'at' (2026-01-01T07:00:00+00:00) is before 'due_at'"),
    ],
)
def test_bad_reports_name_the_field(changes: dict, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(**changes)
    assert reason in caught.value.reason


@pytest.mark.parametrize(("body", "reason"), [("[]", "body must be a JSON object (a heartbeat report), got array"),
                                              ("{", "body is not valid JSON")])
def test_bad_bodies(body: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_heartbeat(body, received_at=RECEIVED, source="heartbeat")
