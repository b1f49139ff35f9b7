"""normalize: every envelope gives alerts or a reason, never an exception."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from streams.alerts.model import Envelope
from streams.alerts.normalize import Normalized, normalize
from streams.alerts.parsers import PARSERS
from streams.alerts.parsers.alertmanager_v2 import parse_alertmanager_v2
from streams.alerts.parsers.alertmanager_webhook import parse_alertmanager_webhook
from streams.alerts.parsers.generic import parse_generic
from streams.alerts.parsers.grafana import parse_grafana
from streams.alerts.parsers.heartbeat import parse_heartbeat
from streams.alerts.parsers.snmp import parse_snmp
from streams.alerts.parsers.zabbix import parse_zabbix

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
AM_BODY = json.dumps([{"labels": {"alertname": "A"}}, {"labels": {"alertname": "B"}}])
UNKNOWN = "no parser for source 'nagios'; known sources are alertmanager, alertmanager-api, generic, grafana, heartbeat, snmp, zabbix"


def envelope(source: str, body: str) -> Envelope:
    return Envelope(source=source, received_at=NOW, content_type="application/json", body=body, envelope_id="e1")


def test_registry() -> None:
    assert dict(PARSERS) == {
        "alertmanager-api": parse_alertmanager_v2,
        "alertmanager": parse_alertmanager_webhook,
        "generic": parse_generic,
        "grafana": parse_grafana,
        "heartbeat": parse_heartbeat,
        "snmp": parse_snmp,
        "zabbix": parse_zabbix,
    }


@pytest.mark.parametrize(
    ("source", "body", "count", "error", "parser"),
    [
        ("alertmanager-api", AM_BODY, 2, None, "alertmanager-api"),
        ("generic", '{"name": "n", "resource": "r"}', 1, None, "generic"),
        ("alertmanager-api", "[{}]", 0, "alert #0: 'labels' is required", "alertmanager-api"),
        ("generic", "not json", 0, "body is not valid JSON: Expecting value: line 1 column 1 (char 0)", "generic"),
        ("nagios", AM_BODY, 0, UNKNOWN, "none"),
    ],
)
def test_normalize(source: str, body: str, count: int, error: str | None, parser: str) -> None:
    result = normalize(envelope(source, body))
    assert isinstance(result, Normalized)
    assert (len(result.alerts), result.error, result.parser) == (count, error, parser)
    assert all(alert.received_at == NOW and alert.source == source for alert in result.alerts)


@pytest.mark.parametrize(
    ("source", "body", "reason"),
    [
        ("alertmanager-api", AM_BODY, None),
        ("alertmanager-api", "{}", "body must be a JSON array of alerts, got object"),
        ("nagios", AM_BODY, UNKNOWN),
    ],
)
def test_input_errors_are_refused(source: str, body: str, reason: str | None) -> None:
    result = normalize(envelope(source, body))
    assert (result.error, result.refused) == (reason, reason is not None)


def test_a_parser_bug_is_dead_lettered_not_refused() -> None:
    def broken(body: str, *, received_at: datetime, source: str) -> list:
        raise KeyError("oops")

    result = normalize(envelope("generic", "{}"), {"generic": broken})
    assert result.error == "parser 'generic' failed: KeyError: 'oops'" and result.alerts == ()
    assert result.parser_crashed and not result.refused


def test_a_configured_registry_replaces_the_built_in_one() -> None:
    result = normalize(envelope("generic", '{"name": "n", "resource": "r"}'), {})
    assert result.error == "no parser for source 'generic'; known sources are " and result.parser == "none"
