"""parse_generic: the documented generic JSON shape, its identity rules, its refusals, and its schema and docs."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from streams.alerts.fingerprint import label_fingerprint
from streams.alerts.model import AlertStatus, Severity
from streams.alerts.parsers.errors import ParseError
from streams.alerts.parsers.generic import FIELDS, REQUIRED_FIELDS, parse_generic

NOW = datetime(2026, 1, 1, 0, 10, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "streams" / "alerts" / "schemas" / "generic.schema.json"
DOC = ROOT / "docs" / "generic-json.md"
BASE = {"name": "HighTemperature", "resource": "sensor-7"}


def parse(items: object, source: str = "generic") -> list:
    return parse_generic(json.dumps(items), received_at=NOW, source=source)


def test_minimal_object_gets_the_defaults() -> None:
    [alert] = parse(BASE)
    assert alert.status is AlertStatus.FIRING and alert.severity is Severity.WARNING
    assert alert.labels == {"alertname": "HighTemperature", "resource": "sensor-7"}
    assert alert.fingerprint == label_fingerprint(alert.labels)
    assert (alert.starts_at, alert.ends_at, alert.value, alert.location) == (NOW, None, None, {})


def test_full_object() -> None:
    [alert] = parse({**BASE, "severity": "critical", "site": "dc1", "room": "r1", "row": "3", "rack": "a07",
                     "labels": {"vendor": "acme", "site": "dc1"}, "annotations": {"summary": "hot"},
                     "value": 36.5, "starts_at": "2026-01-01T00:00:00Z"})
    assert alert.severity is Severity.CRITICAL
    assert alert.location == {"site": "dc1", "room": "r1", "row": "3", "rack": "a07"}
    assert alert.labels == {"vendor": "acme", "alertname": "HighTemperature", "resource": "sensor-7",
                            "site": "dc1", "room": "r1", "row": "3", "rack": "a07"}
    assert alert.value == "36.5" and alert.annotations == {"summary": "hot"}


def test_same_label_set_as_prometheus_gives_same_fingerprint() -> None:
    [alert] = parse({**BASE, "site": "dc1"})
    assert alert.fingerprint == label_fingerprint({"alertname": "HighTemperature", "resource": "sensor-7", "site": "dc1"})


def test_location_may_come_from_labels() -> None:
    [alert] = parse({**BASE, "labels": {"site": "dc2", "job": ""}})
    assert alert.site == "dc2" and "job" not in alert.labels


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ({"id": "e1"}, {"id": "e1", "labels": {"changed": "yes"}, "severity": "critical"}, True),
        ({"id": "e1"}, {"id": "e2"}, False),
        ({}, {"labels": {"changed": "yes"}}, False),
        ({}, {"site": "dc1"}, False),
        ({}, {"annotations": {"summary": "other text"}, "value": 1}, True),
    ],
)
def test_identity(first: dict, second: dict, same: bool) -> None:
    [a], [b] = parse({**BASE, **first}), parse({**BASE, **second})
    assert (a.fingerprint == b.fingerprint) is same


def test_id_fingerprint_is_namespaced_by_source() -> None:
    [alert] = parse({**BASE, "id": "e1"}, source="bms")
    assert alert.fingerprint == label_fingerprint({"__source__": "bms", "__source_id__": "e1"})
    assert parse({**BASE, "id": "e1"}, source="other")[0].fingerprint != alert.fingerprint


@pytest.mark.parametrize(
    ("fields", "status", "ends_at"),
    [
        ({"status": "resolved"}, AlertStatus.RESOLVED, NOW),
        ({"status": "resolved", "ends_at": "2026-01-01T00:05:00Z"}, AlertStatus.RESOLVED,
         datetime(2026, 1, 1, 0, 5, tzinfo=timezone.utc)),
        ({"ends_at": "2026-01-01T00:05:00Z"}, AlertStatus.FIRING, datetime(2026, 1, 1, 0, 5, tzinfo=timezone.utc)),
    ],
)
def test_status_decides(fields: dict, status: AlertStatus, ends_at: datetime) -> None:
    [alert] = parse({**BASE, "starts_at": "2026-01-01T00:00:00Z", **fields})
    assert (alert.status, alert.ends_at) == (status, ends_at)


def test_array_of_objects() -> None:
    alerts = parse([BASE, {**BASE, "resource": "sensor-8"}])
    assert [alert.resource for alert in alerts] == ["sensor-7", "sensor-8"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("nope", "body is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
        ('"x"', "body must be a JSON object or an array of objects, got string"),
        (json.dumps([BASE] * 1001), "body has 1001 alerts; at most 1000 are accepted per request"),
        (json.dumps([BASE, 3]), "alert #1: must be a JSON object, got number"),
        (json.dumps({**BASE, "sevrity": "critical"}),
         "alert #0: unknown field 'sevrity'; allowed fields are " + ", ".join(sorted(FIELDS))),
        (json.dumps({"resource": "r"}), "alert #0: 'name' is required"),
        (json.dumps([BASE, {"name": "n"}]), "alert #1: 'resource' is required"),
        (json.dumps({**BASE, "name": " "}), "alert #0: 'name' must not be empty"),
        (json.dumps({**BASE, "resource": None}), "alert #0: 'resource' must be a string, got null"),
        (json.dumps({**BASE, "name": "n" * 257}), "alert #0: 'name' is 257 characters; at most 256 are accepted"),
        (json.dumps({**BASE, "status": "open"}), "alert #0: 'status' must be one of firing, resolved, got 'open'"),
        (json.dumps({**BASE, "status": {"a": 1}}), "alert #0: 'status' must be one of firing, resolved, got object"),
        (json.dumps({**BASE, "severity": "high"}),
         "alert #0: 'severity' must be one of critical, major, minor, warning, info, got 'high'"),
        (json.dumps({**BASE, "severity": 1}),
         "alert #0: 'severity' must be one of critical, major, minor, warning, info, got number"),
        (json.dumps({**BASE, "id": 42}), "alert #0: 'id' must be a string, got number"),
        (json.dumps({**BASE, "site": True}), "alert #0: 'site' must be a string, got boolean"),
        (json.dumps({**BASE, "labels": {"site": "dc2"}, "site": "dc1"}),
         "alert #0: 'labels.site' is 'dc2' but 'site' is 'dc1'; give it once"),
        (json.dumps({**BASE, "labels": {"alertname": "Other"}}),
         "alert #0: 'labels.alertname' is 'Other' but 'name' is 'HighTemperature'; give it once"),
        (json.dumps({**BASE, "labels": {"n": 1}}), "alert #0: 'labels.n' must be a string, got number"),
        (json.dumps({**BASE, "annotations": []}), "alert #0: 'annotations' must be an object of string values, got array"),
        (json.dumps({**BASE, "value": [1]}), "alert #0: 'value' must be a string or a number, got array"),
        (json.dumps({**BASE, "value": False}), "alert #0: 'value' must be a string or a number, got boolean"),
        (json.dumps({**BASE, "starts_at": "soon"}),
         "alert #0: 'starts_at' is not an RFC 3339 timestamp ('soon'): Invalid isoformat string: 'soon'"),
        (json.dumps({**BASE, "starts_at": "2026-01-01T00:05:00Z", "ends_at": "2026-01-01T00:00:00Z"}),
         "alert #0: 'ends_at' (2026-01-01T00:00:00+00:00) is before 'starts_at' (2026-01-01T00:05:00+00:00)"),
        (json.dumps({**BASE, "status": "resolved", "starts_at": "2026-01-01T00:20:00Z"}),
         "alert #0: 'ends_at' (2026-01-01T00:10:00+00:00) is before 'starts_at' (2026-01-01T00:20:00+00:00)"),
    ],
)
def test_refusals(body: str, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_generic(body, received_at=NOW, source="generic")
    assert caught.value.reason == reason


def _doc_examples() -> list[str]:
    return re.findall(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_docs_have_examples() -> None:
    assert len(_doc_examples()) >= 4


@pytest.mark.parametrize("example", _doc_examples())
def test_every_documented_example_parses(example: str) -> None:
    assert parse_generic(example, received_at=NOW, source="generic")


def test_schema_matches_parser() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    alert = schema["$defs"]["alert"]
    assert set(alert["required"]) == REQUIRED_FIELDS
    assert set(alert["properties"]) == FIELDS
    assert alert["additionalProperties"] is False
    assert alert["properties"]["status"]["enum"] == [status.value for status in AlertStatus]
    assert alert["properties"]["severity"]["enum"] == [severity.value for severity in Severity]
    assert schema["oneOf"][1]["maxItems"] == 1000
