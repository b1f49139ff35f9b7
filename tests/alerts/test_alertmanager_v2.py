"""parse_alertmanager_v2: Prometheus' POST /api/v2/alerts body into Alerts, and every reason it refuses one."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from streams.alerts.fingerprint import label_fingerprint
from streams.alerts.model import AlertStatus, Severity
from streams.alerts.parsers.alertmanager_v2 import parse_alertmanager_v2
from streams.alerts.parsers.errors import ParseError

NOW = datetime(2026, 1, 1, 0, 10, tzinfo=timezone.utc)


def parse(items: object) -> list:
    return parse_alertmanager_v2(json.dumps(items), received_at=NOW, source="alertmanager-api")


def one(**fields: object):
    return parse([{"labels": {"alertname": "HighTemperature"}, **fields}])[0]


def test_full_alert() -> None:
    labels = {"alertname": "HighTemperature", "instance": "s1:9116", "severity": "critical",
              "site": "dc1", "room": "r1", "row": "3", "rack": "a07", "job": "snmp"}
    alert = parse([{
        "labels": labels,
        "annotations": {"summary": "hot", "value": "36.5"},
        "startsAt": "2026-01-01T00:00:00.123456789Z",
        "endsAt": "2026-01-01T00:14:00Z",
        "generatorURL": "http://prom:9090/graph",
    }])[0]
    assert alert.fingerprint == label_fingerprint(labels)
    assert alert.source == "alertmanager-api"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity is Severity.CRITICAL
    assert (alert.name, alert.resource, alert.value) == ("HighTemperature", "s1:9116", "36.5")
    assert alert.location == {"site": "dc1", "room": "r1", "row": "3", "rack": "a07"}
    assert alert.site == "dc1"
    assert alert.labels == labels
    assert alert.starts_at == datetime(2026, 1, 1, 0, 0, 0, 123000, tzinfo=timezone.utc)
    assert alert.ends_at == datetime(2026, 1, 1, 0, 14, tzinfo=timezone.utc)
    assert alert.received_at == NOW
    assert alert.generator_url == "http://prom:9090/graph"


def test_survives_a_topic_unchanged() -> None:
    alert = one(startsAt="2026-01-01T00:00:00.123456789Z")
    assert type(alert).from_dict(alert.to_dict()) == alert


@pytest.mark.parametrize(
    ("ends_at", "status"),
    [
        (None, AlertStatus.FIRING),
        ("0001-01-01T00:00:00Z", AlertStatus.FIRING),  # Go's zero time: not given
        ("2026-01-01T00:10:00.001Z", AlertStatus.FIRING),
        ("2026-01-01T00:10:00Z", AlertStatus.RESOLVED),  # endsAt == received_at
        ("2026-01-01T00:05:00+02:00", AlertStatus.RESOLVED),
    ],
)
def test_resolved_by_ends_at(ends_at: str | None, status: AlertStatus) -> None:
    assert one(startsAt="2025-12-31T00:00:00Z", endsAt=ends_at).status is status


def test_defaults() -> None:
    alert = one()
    assert alert.starts_at == NOW
    assert alert.ends_at is None and alert.generator_url is None and alert.value is None
    assert alert.severity is Severity.WARNING
    assert alert.resource == "HighTemperature"
    assert alert.location == {} and alert.site == ""
    assert alert.annotations == {}


def test_null_optionals_mean_not_given_and_unknown_keys_are_ignored() -> None:
    alert = one(annotations=None, startsAt=None, endsAt=None, generatorURL=None, status="whatever")
    assert alert.starts_at == NOW and alert.status is AlertStatus.FIRING


@pytest.mark.parametrize(
    ("labels", "resource"),
    [
        ({"host": "h", "device": "d", "resource": "r", "instance": "i"}, "i"),
        ({"host": "h", "device": "d", "resource": "r"}, "r"),
        ({"host": "h", "device": "d"}, "d"),
        ({"host": "h"}, "h"),
        ({"instance": ""}, "HighTemperature"),
    ],
)
def test_resource_label_precedence(labels: dict[str, str], resource: str) -> None:
    alert = parse([{"labels": {"alertname": "HighTemperature", **labels}}])[0]
    assert alert.resource == resource


@pytest.mark.parametrize(
    ("label", "severity"),
    [
        ("critical", Severity.CRITICAL), ("page", Severity.CRITICAL), ("Emergency", Severity.CRITICAL),
        ("disaster", Severity.CRITICAL), ("major", Severity.MAJOR), ("high", Severity.MAJOR),
        ("ERROR", Severity.MAJOR), ("minor", Severity.MINOR), ("average", Severity.MINOR),
        ("warning", Severity.WARNING), ("warn", Severity.WARNING), ("info", Severity.INFO),
        ("informational", Severity.INFO), ("none", Severity.INFO), (" low ", Severity.INFO),
        ("sev1", Severity.WARNING),
    ],
)
def test_severity_mapping(label: str, severity: Severity) -> None:
    alert = parse([{"labels": {"alertname": "X", "severity": label}}])[0]
    assert alert.severity is severity
    assert alert.labels["severity"] == label  # the original label is kept


def test_empty_label_values_are_dropped_like_alertmanager() -> None:
    alert = parse([{"labels": {"alertname": "X", "site": "", "job": "j"}}])[0]
    assert alert.labels == {"alertname": "X", "job": "j"}
    assert alert.fingerprint == label_fingerprint({"alertname": "X", "job": "j"})


def test_empty_array_gives_no_alerts() -> None:
    assert parse([]) == []


def test_batch_of_1000_is_accepted() -> None:
    assert len(parse([{"labels": {"alertname": "X", "i": str(i)}} for i in range(1000)])) == 1000


OK = {"labels": {"alertname": "X"}}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{nope", "body is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ("", "body is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
        ('[{"labels": {"alertname": "X"}, "x": NaN}]', "body is not valid JSON: NaN is not allowed in JSON"),
        ("[" * 100000, "body is not valid JSON: nested too deeply"),
        (json.dumps(OK), "body must be a JSON array of alerts, got object"),
        (json.dumps([OK] * 1001), "body has 1001 alerts; at most 1000 are accepted per request"),
        (json.dumps([OK, "x"]), "alert #1: must be a JSON object, got string"),
        (json.dumps([OK, OK, {}]), "alert #2: 'labels' is required"),
        (json.dumps([{"labels": []}]), "alert #0: 'labels' must be an object of string values, got array"),
        (json.dumps([{"labels": {}}]), "alert #0: 'labels.alertname' is required"),
        (json.dumps([OK, OK, OK, {"labels": {"job": "x"}}]), "alert #3: 'labels.alertname' is required"),
        (json.dumps([{"labels": {"alertname": ""}}]), "alert #0: 'labels.alertname' is required"),
        (json.dumps([{"labels": {"alertname": "X", "port": 9100}}]), "alert #0: 'labels.port' must be a string, got number"),
        (json.dumps([{"labels": {"alertname": "X", "": "v"}}]), "alert #0: 'labels' has a key of 0 characters; keys need 1 to 256"),
        (json.dumps([{"labels": {"alertname": "X", "k": "v" * 16385}}]),
         "alert #0: 'labels.k' is 16385 characters; at most 16384 are accepted"),
        (json.dumps([{"labels": {"alertname": "X", **{f"l{i}": "v" for i in range(128)}}}]),
         "alert #0: 'labels' has 129 entries; at most 128 are accepted"),
        (json.dumps([{**OK, "annotations": "hot"}]), "alert #0: 'annotations' must be an object of string values, got string"),
        (json.dumps([{**OK, "annotations": {"value": 36.5}}]), "alert #0: 'annotations.value' must be a string, got number"),
        (json.dumps([{**OK, "startsAt": 17}]), "alert #0: 'startsAt' must be a string, got number"),
        (json.dumps([{**OK, "startsAt": "yesterday"}]),
         "alert #0: 'startsAt' is not an RFC 3339 timestamp ('yesterday'): Invalid isoformat string: 'yesterday'"),
        (json.dumps([{**OK, "endsAt": "2026-01-01T00:00:00"}]),
         "alert #0: 'endsAt' is not an RFC 3339 timestamp ('2026-01-01T00:00:00'): "
         "timestamp '2026-01-01T00:00:00' has no timezone; send UTC ('Z') or an offset"),
        (json.dumps([{**OK, "endsAt": "2026-01-01T00:00:00Z" + " " * 60}]),
         "alert #0: 'endsAt' is 80 characters; at most 64 are accepted"),
        (json.dumps([{**OK, "startsAt": "2026-01-01T00:05:00Z", "endsAt": "2026-01-01T00:01:00Z"}]),
         "alert #0: 'endsAt' (2026-01-01T00:01:00+00:00) is before 'startsAt' (2026-01-01T00:05:00+00:00)"),
        (json.dumps([{**OK, "generatorURL": ["x"]}]), "alert #0: 'generatorURL' must be a string, got array"),
    ],
)
def test_refusals(body: str, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_alertmanager_v2(body, received_at=NOW, source="alertmanager-api")
    assert caught.value.reason == reason
