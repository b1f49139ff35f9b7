"""parse_alertmanager_webhook: an Alertmanager webhook notification (version 4) into Alerts, and every reason it refuses one."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from streams.alerts.fingerprint import label_fingerprint
from streams.alerts.model import AlertStatus, Severity
from streams.alerts.parsers.alertmanager_webhook import WEBHOOK_MAX_ALERTS, parse_alertmanager_webhook
from streams.alerts.parsers.errors import ParseError

NOW = datetime(2026, 1, 1, 0, 10, tzinfo=timezone.utc)
LABELS = {"alertname": "UPSOnBattery", "instance": "ups-1:161", "job": "snmp", "severity": "critical",
          "site": "dc1", "room": "r1"}


def notification(*alerts: dict, **outer: object) -> dict:
    """A notification as Alertmanager 0.25 sends it (docs/configuration.md#webhook_config)."""
    return {
        "receiver": "alertdesk", "status": "firing", "alerts": list(alerts),
        "groupLabels": {"alertname": "UPSOnBattery"}, "commonLabels": {"alertname": "UPSOnBattery"},
        "commonAnnotations": {}, "externalURL": "http://am.example:9093", "version": "4",
        "groupKey": '{}:{alertname="UPSOnBattery"}', "truncatedAlerts": 0, **outer,
    }


def firing(**fields: object) -> dict:
    return {
        "status": "firing", "labels": LABELS, "annotations": {"summary": "UPS-1 is on battery"},
        "startsAt": "2026-01-01T00:00:00.123456789Z", "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prom.example:9090/graph?g0.expr=ups_on_battery", "fingerprint": "0123456789abcdef",
        **fields,
    }


def parse(body: object) -> list:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return parse_alertmanager_webhook(text, received_at=NOW, source="alertmanager")


def test_firing_alert() -> None:
    [alert] = parse(notification(firing()))
    assert alert.source == "alertmanager"
    assert alert.fingerprint == "0123456789abcdef"  # Alertmanager's own
    assert alert.status is AlertStatus.FIRING and alert.ends_at is None  # Go zero time: not given
    assert alert.severity is Severity.CRITICAL
    assert (alert.name, alert.resource) == ("UPSOnBattery", "ups-1:161")
    assert alert.location == {"site": "dc1", "room": "r1"}
    assert alert.labels == LABELS and alert.annotations == {"summary": "UPS-1 is on battery"}
    assert alert.starts_at == datetime(2026, 1, 1, 0, 0, 0, 123000, tzinfo=timezone.utc)
    assert alert.received_at == NOW
    assert alert.generator_url.startswith("http://prom.example:9090/graph")
    assert type(alert).from_dict(alert.to_dict()) == alert


def test_resolved_alert_is_decided_by_its_own_status() -> None:
    resolved = firing(status="resolved", endsAt="2026-01-01T00:08:00Z")
    still_firing = firing(labels={**LABELS, "instance": "ups-2:161"}, fingerprint=None)
    first, second = parse(notification(resolved, still_firing, status="firing"))
    assert first.status is AlertStatus.RESOLVED
    assert first.ends_at == datetime(2026, 1, 1, 0, 8, tzinfo=timezone.utc)
    assert second.status is AlertStatus.FIRING


def test_resolved_without_ends_at_ends_when_received() -> None:
    [alert] = parse(notification(firing(status="resolved", endsAt=None)))
    assert alert.status is AlertStatus.RESOLVED and alert.ends_at == NOW


def test_firing_with_a_future_ends_at_stays_firing() -> None:
    [alert] = parse(notification(firing(endsAt="2026-01-01T00:14:00Z")))
    assert alert.status is AlertStatus.FIRING and alert.ends_at == datetime(2026, 1, 1, 0, 14, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("fingerprint", "expected"),
    [
        ("0123456789abcdef", "0123456789abcdef"),
        ("0123456789ABCDEF", "0123456789abcdef"),
        (None, label_fingerprint(LABELS)),
        ("", label_fingerprint(LABELS)),
        ("0123456789abcde", label_fingerprint(LABELS)),  # 15 digits
        ("ups-1/onbattery!", label_fingerprint(LABELS)),  # not hex
    ],
)
def test_fingerprint_is_alertmanagers_or_computed(fingerprint: str | None, expected: str) -> None:
    item = firing(fingerprint=fingerprint)
    if fingerprint is None:
        del item["fingerprint"]
    assert parse(notification(item))[0].fingerprint == expected


def test_same_labels_as_the_api_v2_give_the_same_fingerprint_when_none_is_sent() -> None:
    item = firing()
    del item["fingerprint"]
    assert parse(notification(item))[0].fingerprint == label_fingerprint(LABELS)


def test_chinese_labels_and_annotations() -> None:
    labels = {"alertname": "机房温度过高", "机房": "上海一号机房", "site": "上海", "severity": "warning"}
    annotations = {"summary": "3排A07机柜进风温度 36.5°C", "description": "请检查精密空调"}
    [alert] = parse(notification(firing(labels=labels, annotations=annotations, fingerprint=None)))
    assert (alert.name, alert.site, alert.resource) == ("机房温度过高", "上海", "机房温度过高")
    assert alert.labels == labels and alert.annotations == annotations
    assert alert.fingerprint == label_fingerprint(labels)


def test_empty_label_values_are_dropped_and_unknown_keys_ignored() -> None:
    [alert] = parse(notification(firing(labels={**LABELS, "job": ""}, fingerprint=None, silencedBy=[]), orgId=1))
    assert "job" not in alert.labels


def test_empty_group_gives_no_alerts() -> None:
    assert parse(notification()) == []


def test_a_large_group_is_accepted() -> None:
    items = [firing(labels={**LABELS, "i": str(i)}, fingerprint=None) for i in range(2000)]
    assert len(parse(notification(*items))) == 2000


OK = firing()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("", "body is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
        ("\x00\xff garbage", "body is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
        ("[" * 100000, "body is not valid JSON: nested too deeply"),
        ('{"version": "4", "alerts": [{"status": "firing", "labels": {"alertname": "\\ud800"}}]}',
         "body is not valid JSON: it has an unpaired UTF-16 surrogate escape (\\udXXX)"),
        ([OK], "body must be a JSON object (an Alertmanager webhook payload), got array"),
        ({"alerts": [OK]}, "body: 'version' is required; expected an Alertmanager webhook payload, version '4'"),
        (notification(OK, version="3"), "body: 'version' is '3'; only Alertmanager webhook payload version '4' is understood"),
        (notification(OK, version="1"), "body: 'version' is '1'; only Alertmanager webhook payload version '4' is understood"),
        (notification(OK, version=4), "body: 'version' must be a string, got number"),
        ({"version": "4"}, "body: 'alerts' is required"),
        (notification(alerts={"0": OK}), "body: 'alerts' must be an array, got object"),
        (notification(alerts=[OK] * (WEBHOOK_MAX_ALERTS + 1)),
         "body: 'alerts' has 10001 alerts; at most 10000 are accepted per notification"),
        (notification(OK, "x"), "alert #1: must be a JSON object, got string"),
        (notification({k: v for k, v in OK.items() if k != "status"}), "alert #0: 'status' is required (firing or resolved)"),
        (notification(firing(status="pending")), "alert #0: 'status' must be one of firing, resolved, got 'pending'"),
        (notification(firing(status=True)), "alert #0: 'status' must be one of firing, resolved, got boolean"),
        (notification({k: v for k, v in OK.items() if k != "labels"}), "alert #0: 'labels' is required"),
        (notification(firing(labels=["alertname"])), "alert #0: 'labels' must be an object of string values, got array"),
        (notification(OK, firing(labels={"job": "x"})), "alert #1: 'labels.alertname' is required"),
        (notification(firing(labels={"alertname": "X", "port": 161})), "alert #0: 'labels.port' must be a string, got number"),
        (notification(firing(annotations={"summary": None})), "alert #0: 'annotations.summary' must be a string, got null"),
        (notification(firing(startsAt="yesterday")),
         "alert #0: 'startsAt' is not an RFC 3339 timestamp ('yesterday'): Invalid isoformat string: 'yesterday'"),
        (notification(firing(endsAt=1767225600)), "alert #0: 'endsAt' must be a string, got number"),
        (notification(firing(status="resolved", startsAt="2026-01-01T00:05:00Z", endsAt="2026-01-01T00:01:00Z")),
         "alert #0: 'endsAt' (2026-01-01T00:01:00+00:00) is before 'startsAt' (2026-01-01T00:05:00+00:00)"),
        (notification(firing(generatorURL=7)), "alert #0: 'generatorURL' must be a string, got number"),
        (notification(firing(fingerprint=["f"])), "alert #0: 'fingerprint' must be a string, got array"),
        (notification(firing(labels={"alertname": "X", "k": "v" * 16385})),
         "alert #0: 'labels.k' is 16385 characters; at most 16384 are accepted"),
    ],
)
def test_refusals(body: object, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(body)
    assert caught.value.reason == reason


def test_huge_body_is_refused_by_its_size_not_parsed_to_death() -> None:
    body = notification(*[firing(labels={**LABELS, "i": str(i)}) for i in range(WEBHOOK_MAX_ALERTS + 5)])
    with pytest.raises(ParseError, match="at most 10000"):
        parse(body)
