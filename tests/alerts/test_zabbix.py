"""parse_zabbix: what the alertdesk Zabbix media type posts, into one Alert; problem and recovery dedupe on the event id."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from streams.alerts.fingerprint import label_fingerprint
from streams.alerts.model import AlertStatus, Severity
from streams.alerts.parsers.errors import ParseError
from streams.alerts.parsers.zabbix import parse_zabbix

NOW = datetime(2026, 1, 1, 0, 10, tzinfo=timezone.utc)
STARTED = 1767225600  # 2026-01-01T00:00:00Z


def problem(**fields: object) -> dict:
    """A problem event as deploy/zabbix/alertdesk_mediatype.yaml posts it (unexpanded macros left out)."""
    return {
        "event_id": "4711", "event_value": "1", "event_name": "Inlet temperature is too high (36.5 °C)",
        "event_nseverity": "4", "event_severity": "High", "event_timestamp": str(STARTED),
        "event_tags": [{"tag": "site", "value": "dc1"}, {"tag": "room", "value": "r1"},
                       {"tag": "service", "value": "cooling"}, {"tag": "service", "value": "facility"},
                       {"tag": "scope", "value": ""}],
        "event_opdata": "36.5 °C", "host_name": "sensor-3", "host_ip": "10.0.3.17",
        "host_groups": "Machine room/Sensors", "trigger_id": "23301",
        "trigger_description": "Inlet above 35 °C for 5 minutes",
        "event_url": "https://zabbix.example/tr_events.php?triggerid=23301&eventid=4711",
        **fields,
    }


def recovery(**fields: object) -> dict:
    return problem(**{"event_value": "0", "recovery_timestamp": str(STARTED + 420), **fields})


def parse(body: object) -> list:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return parse_zabbix(text, received_at=NOW, source="zabbix")


def test_problem() -> None:
    [alert] = parse(problem())
    assert alert.fingerprint == label_fingerprint({"__source__": "zabbix", "__source_id__": "4711"})
    assert alert.source == "zabbix" and alert.status is AlertStatus.FIRING and alert.ends_at is None
    assert alert.severity is Severity.MAJOR
    assert (alert.name, alert.resource, alert.value) == ("Inlet temperature is too high (36.5 °C)", "sensor-3", "36.5 °C")
    assert alert.location == {"site": "dc1", "room": "r1"}
    assert alert.labels == {
        "alertname": "Inlet temperature is too high (36.5 °C)", "host": "sensor-3", "zabbix_event_id": "4711",
        "site": "dc1", "room": "r1", "service": "cooling,facility", "host_ip": "10.0.3.17",
        "host_group": "Machine room/Sensors", "zabbix_trigger_id": "23301", "zabbix_severity": "High",
    }
    assert alert.annotations == {"summary": alert.name, "description": "Inlet above 35 °C for 5 minutes"}
    assert alert.starts_at == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert alert.generator_url.endswith("eventid=4711")
    assert type(alert).from_dict(alert.to_dict()) == alert


def test_recovery_dedupes_with_its_problem() -> None:
    [firing] = parse(problem())
    [resolved] = parse(recovery(event_tags=[], event_name="renamed in between"))
    assert resolved.fingerprint == firing.fingerprint
    assert resolved.status is AlertStatus.RESOLVED
    assert resolved.ends_at == datetime(2026, 1, 1, 0, 7, tzinfo=timezone.utc)


def test_recovery_without_timestamp_ends_when_received() -> None:
    item = recovery()
    del item["recovery_timestamp"]
    assert parse(item)[0].ends_at == NOW


def test_several_zabbix_servers_are_kept_apart() -> None:
    one = parse(problem(zabbix_server="zbx-sh"))[0].fingerprint
    other = parse(problem(zabbix_server="zbx-bj"))[0].fingerprint
    assert one != other
    assert one == label_fingerprint({"__source__": "zabbix", "__source_id__": "zbx-sh:4711"})


@pytest.mark.parametrize(
    ("fields", "severity"),
    [
        ({"event_nseverity": "0"}, Severity.INFO), ({"event_nseverity": "1"}, Severity.INFO),
        ({"event_nseverity": "2"}, Severity.WARNING), ({"event_nseverity": "3"}, Severity.MINOR),
        ({"event_nseverity": "4"}, Severity.MAJOR), ({"event_nseverity": "5"}, Severity.CRITICAL),
        ({"event_nseverity": "5", "event_severity": "Information"}, Severity.CRITICAL),  # the number wins
        ({"event_nseverity": None, "event_severity": "Disaster"}, Severity.CRITICAL),
        ({"event_nseverity": None, "event_severity": "average"}, Severity.MINOR),
        ({"event_nseverity": None, "event_severity": "Not classified"}, Severity.INFO),
        ({"event_nseverity": None, "event_severity": "灾难"}, Severity.CRITICAL),
        ({"event_nseverity": None, "event_severity": "一般严重"}, Severity.MINOR),
        ({"event_nseverity": None, "event_severity": "Sehr hoch"}, Severity.WARNING),  # renamed: default
        ({"event_nseverity": None, "event_severity": None}, Severity.WARNING),
    ],
)
def test_severity(fields: dict, severity: Severity) -> None:
    assert parse(problem(**fields))[0].severity is severity


def test_minimal_event() -> None:
    [alert] = parse({"event_id": "1", "event_value": "1", "event_name": "Unavailable by ICMP ping", "host_name": "core-sw-1"})
    assert alert.labels == {"alertname": "Unavailable by ICMP ping", "host": "core-sw-1", "zabbix_event_id": "1"}
    assert alert.starts_at == NOW and alert.severity is Severity.WARNING and alert.location == {}
    assert alert.value is None and alert.generator_url is None


def test_chinese_names_tags_and_groups() -> None:
    [alert] = parse(problem(
        event_name="UPS 市电中断，电池供电中", host_name="一号UPS", host_groups="动环/UPS",
        event_tags=[{"tag": "site", "value": "上海"}, {"tag": "机房", "value": "A栋3楼"}],
        event_severity="灾难", event_nseverity="5",
    ))
    assert (alert.name, alert.resource, alert.site) == ("UPS 市电中断，电池供电中", "一号UPS", "上海")
    assert alert.labels["机房"] == "A栋3楼" and alert.labels["host_group"] == "动环/UPS"
    assert alert.severity is Severity.CRITICAL


def test_our_labels_win_over_tags_of_the_same_name() -> None:
    [alert] = parse(problem(event_tags=[{"tag": "host", "value": "other"}, {"tag": "alertname", "value": "x"}]))
    assert (alert.labels["host"], alert.labels["alertname"]) == ("sensor-3", "Inlet temperature is too high (36.5 °C)")


def test_unknown_parameters_are_ignored() -> None:
    assert len(parse(problem(custom_param="whatever", event_update_status="1"))) == 1


def without(field: str) -> dict:
    item = problem()
    del item[field]
    return item


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("", "body is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
        ("\ufffd\ufffd PK\x03\x04", "body is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
        ([problem()], "body must be a JSON object (one Zabbix event), got array"),
        (without("event_id"), "event: 'event_id' is required"),
        (problem(event_id=4711), "event: 'event_id' must be a string, got number"),
        (problem(event_id="{EVENT.ID}"), "event: 'event_id' must be the digits of {EVENT.ID}, got '{EVENT.ID}'"),
        (problem(event_id="４７"), "event: 'event_id' must be the digits of {EVENT.ID}, got '４７'"),
        (problem(event_id="  "), "event: 'event_id' must not be empty"),
        (without("event_value"), "event: 'event_value' is required"),
        (problem(event_value="2"), "event: 'event_value' must be 1 (problem) or 0 (recovery), got '2'"),
        (problem(event_value=1), "event: 'event_value' must be 1 (problem) or 0 (recovery), got number"),
        (without("event_name"), "event: 'event_name' is required"),
        (problem(event_name=""), "event: 'event_name' must not be empty"),
        (without("host_name"), "event: 'host_name' is required"),
        (problem(host_name=["a"]), "event: 'host_name' must be a string, got array"),
        (problem(event_nseverity="6"), "event: 'event_nseverity' must be a Zabbix severity number 0 to 5, got '6'"),
        (problem(event_nseverity="High"), "event: 'event_nseverity' must be a Zabbix severity number 0 to 5, got 'High'"),
        (problem(event_timestamp="2026.01.01 00:00:00"),
         "event: 'event_timestamp' must be Unix seconds (digits), got '2026.01.01 00:00:00'"),
        (problem(event_timestamp="99999999999"), "event: 'event_timestamp' must be Unix seconds (digits), got '99999999999'"),
        (recovery(recovery_timestamp=str(STARTED - 60)),
         "event: 'recovery_timestamp' (2025-12-31T23:59:00+00:00) is before 'event_timestamp' (2026-01-01T00:00:00+00:00)"),
        (problem(event_tags="site:dc1"), "event: 'event_tags' must be an array of {\"tag\", \"value\"} objects, got string"),
        (problem(event_tags=[{"tag": "site", "value": "dc1"}, "room"]),
         "event: 'event_tags' #1 must be an object with 'tag' and 'value', got string"),
        (problem(event_tags=[{"value": "dc1"}]), "event: 'event_tags' #0: 'tag' is required"),
        (problem(event_tags=[{"tag": 3, "value": "dc1"}]), "event: 'event_tags' #0: 'tag' must be a string, got number"),
        (problem(event_tags=[{"tag": "t", "value": 3}]), "event: 'event_tags' #0: 'value' must be a string, got number"),
        (problem(event_tags=[{"tag": f"t{i}", "value": "v"} for i in range(129)]),
         "event: 'event_tags' has 129 tags; at most 128 are accepted"),
        (problem(event_opdata="x" * 16385), "event: 'event_opdata' is 16385 characters; at most 16384 are accepted"),
        (problem(event_url=False), "event: 'event_url' must be a string, got boolean"),
    ],
)
def test_refusals(body: object, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(body)
    assert caught.value.reason == reason
