"""label_fingerprint against values a real Alertmanager 0.25 (Debian package) reported for the same label sets."""
from __future__ import annotations

import pytest

from streams.alerts.fingerprint import label_fingerprint

KNOWN = [
    # The empty set is the bare FNV-1a 64 offset basis, as in prometheus/common.
    ({}, "cbf29ce484222325"),
    ({"alertname": "A"}, "d2c6efc389df0927"),
    (
        {"alertname": "HighTemperature", "instance": "sensor-1:9116", "site": "dc1", "severity": "critical"},
        "02d4c32982d8ffa3",
    ),
    (
        {"alertname": "UpsOnBattery", "device": "ups-a", "site": "dc1", "room": "r1", "row": "3", "rack": "a07"},
        "031f2c02eed53619",
    ),
    ({"alertname": "Unicode", "summary_zh": "机房温度过高", "emoji": "🔥", "accent": "Ünïcödé"}, "f5ec05a48a3c47e8"),
    ({"alertname": "Separators", "a": "x\u00ffy", "c": "tab\tnewline\n"}, "8c281bd63633d59f"),
    ({"alertname": "Order", "zz": "1", "Z": "2", "a_b": "3", "ab": "4", "_x": "5"}, "e46b8b793e9ee86d"),
]


@pytest.mark.parametrize(("labels", "expected"), KNOWN)
def test_known_fingerprints(labels: dict[str, str], expected: str) -> None:
    assert label_fingerprint(labels) == expected


def test_order_of_insertion_does_not_matter() -> None:
    labels = {"b": "2", "a": "1", "alertname": "X"}
    assert label_fingerprint(labels) == label_fingerprint(dict(sorted(labels.items())))


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ({"a": "bc"}, {"ab": "c"}),  # the separator keeps name and value apart
        ({"a": "1", "b": "2"}, {"a": "2", "b": "1"}),
        ({"a": "1"}, {"a": "1", "b": "2"}),
    ],
)
def test_different_sets_differ(left: dict[str, str], right: dict[str, str]) -> None:
    assert label_fingerprint(left) != label_fingerprint(right)


def test_format_is_16_lowercase_hex_digits() -> None:
    fingerprint = label_fingerprint({"alertname": "A"})
    assert len(fingerprint) == 16 and fingerprint == fingerprint.lower()
    int(fingerprint, 16)
