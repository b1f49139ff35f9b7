"""Every registered parser, fed arbitrary text and arbitrary JSON, either returns alerts or raises ParseError — nothing else.

Arbitrary JSON alone rarely gets past the first type check, so a third strategy mutates a valid
body of each parser's own format (a field replaced by an arbitrary JSON value), which reaches the
per-field checks deep inside.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.alerts.model import Alert
from streams.alerts.parsers import PARSERS, ParseError

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any code point, lone surrogates included: json.dumps writes them as "\\udXXX" escapes, which Python decodes.
any_text = st.text(st.characters(exclude_categories=()), max_size=40)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(any_text, children, max_size=5),
    max_leaves=25,
)

_WEBHOOK_ALERT = {"status": "firing", "labels": {"alertname": "A", "site": "dc1"}, "annotations": {},
                  "startsAt": "2026-01-01T00:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "0123456789abcdef"}
VALID: dict[str, object] = {
    "alertmanager-api": [{"labels": {"alertname": "A"}, "annotations": {}, "startsAt": "2026-01-01T00:00:00Z"}],
    "alertmanager": {"version": "4", "status": "firing", "alerts": [_WEBHOOK_ALERT]},
    "grafana": {"version": "1", "status": "firing", "alerts": [{**_WEBHOOK_ALERT, "valueString": "", "panelURL": ""}]},
    "generic": {"name": "A", "resource": "r", "site": "dc1", "labels": {}, "status": "firing"},
    "heartbeat": {"name": "prometheus-dc1", "status": "resolved", "interval_seconds": 120, "labels": {"site": "dc1"},
                  "last_ping_at": None, "due_at": "2026-01-01T00:00:00Z", "at": "2026-01-01T00:05:00Z"},
    "snmp": {"snmp_version": "v2c", "pdu": "trap", "transport_address": "10.0.0.5", "transport_port": 1024,
             "security_name": "community-1", "security_level": "noAuthNoPriv", "trap_oid": "1.3.6.1.2.1.33.2.3",
             "uptime": 5, "varbinds": [{"oid": "1.3.6.1.2.1.33.1.6.2.1.2.1", "type": "ObjectIdentifier",
                                        "value": "1.3.6.1.2.1.33.1.6.3.2"},
                                       {"oid": "1.3.6.1.4.1.32473.1", "type": "OctetString", "value": "00ff",
                                        "encoding": "hex"}]},
    "zabbix": {"event_id": "1", "event_value": "1", "event_name": "A", "host_name": "h", "event_nseverity": "3",
               "event_timestamp": "1767225600", "event_tags": [{"tag": "site", "value": "dc1"}]},
}


def check(source: str, body: str) -> None:
    try:
        alerts = PARSERS[source](body, received_at=NOW, source=source)
    except ParseError as exc:
        assert exc.reason and isinstance(exc.reason, str)
        return
    assert isinstance(alerts, list) and all(isinstance(alert, Alert) for alert in alerts)
    for alert in alerts:
        assert Alert.from_dict(json.loads(json.dumps(alert.to_dict()))) == alert  # survives a topic


def mutate(valid: object, path: list, value: object) -> object:
    """Replace the node reached by following `path` (indices taken modulo each container's size) with `value`."""
    if not path or not isinstance(valid, (dict, list)) or not valid:
        return value
    if isinstance(valid, dict):
        key = sorted(valid)[path[0] % len(valid)]
        return {**valid, key: mutate(valid[key], path[1:], value)}
    index = path[0] % len(valid)
    return [*valid[:index], mutate(valid[index], path[1:], value), *valid[index + 1:]]


def test_every_parser_has_a_valid_example() -> None:
    assert VALID.keys() == PARSERS.keys()
    for source, body in VALID.items():
        assert PARSERS[source](json.dumps(body), received_at=NOW, source=source)


@pytest.mark.parametrize("source", sorted(PARSERS))
@SETTINGS
@given(body=st.text(st.characters(exclude_categories=()), max_size=300))
def test_arbitrary_text(source: str, body: str) -> None:
    check(source, body)


@pytest.mark.parametrize("source", sorted(PARSERS))
@SETTINGS
@given(value=json_values)
def test_arbitrary_json(source: str, value: object) -> None:
    check(source, json.dumps(value))


@pytest.mark.parametrize("source", sorted(PARSERS))
@SETTINGS
@given(path=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=4), value=json_values)
def test_valid_body_with_one_field_replaced(source: str, path: list, value: object) -> None:
    check(source, json.dumps(mutate(VALID[source], path, value)))
