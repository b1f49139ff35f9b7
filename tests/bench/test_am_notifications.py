"""Counting Alertmanager's webhook calls: calls, calls carrying storm alerts, first notification per alert."""
from __future__ import annotations

import pytest

from bench.am_notifications import Tally, firing_keys, tally


def notification(*alerts: tuple[str, str, str]) -> dict:
    """A webhook payload (version 4) listing (status, alertname, instance)."""
    return {"version": "4", "status": "firing", "groupKey": "{}:{alertname=\"x\"}",
            "alerts": [{"status": status, "labels": {"alertname": name, "instance": instance, "site": "storm"}}
                       for status, name, instance in alerts]}


@pytest.mark.parametrize(("payload", "expected"), [
    (notification(("firing", "UPSOnBattery", "ups-1")), [("UPSOnBattery", "ups-1")]),
    (notification(("firing", "A", "h1"), ("resolved", "A", "h2")), [("A", "h1")]),  # resolved ones are not a first page
    (notification(), []),
    ({"alerts": [{"status": "firing", "labels": {"alertname": "A"}}]}, [("A", "")]),
    (None, None),  # not JSON
    ([], None),
    ({"version": "4"}, None),
    ({"alerts": ["not an alert"]}, None),
])
def test_firing_keys(payload, expected):
    assert firing_keys(payload) == expected


STORM = {("A", "h1"), ("A", "h2"), ("B", "h1")}


@pytest.mark.parametrize(("calls", "expected"), [
    ([], Tally()),
    ([(10.0, notification(("firing", "A", "h1"), ("firing", "A", "h2")))],
     Tally(1, 1, 0, 2, {("A", "h1"): 10.0, ("A", "h2"): 10.0})),
    # out of order: the earliest call that lists an alert is its first notification
    ([(12.0, notification(("firing", "A", "h1"), ("firing", "B", "h1"))), (11.0, notification(("firing", "A", "h1")))],
     Tally(2, 2, 0, 3, {("A", "h1"): 11.0, ("B", "h1"): 12.0})),
    # a call with nothing of the storm, and one that cannot be read, count as calls only
    ([(1.0, notification(("firing", "Watchdog", ""))), (2.0, None)], Tally(2, 0, 1, 1, {})),
])
def test_tally(calls, expected):
    assert tally(calls, STORM) == expected
