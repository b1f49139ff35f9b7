"""Pure: Alertmanager's webhook calls: how many, which carried storm alerts, when each alert was first notified.

A call's body is a webhook notification (payload version "4"): one group, its `alerts` each with
`status` and `labels`. An alert counts as notified by the first call that lists it *firing*; it
is known by (alertname, instance), as the storm names its alerts.
"""
from __future__ import annotations

from dataclasses import dataclass, field

AlertKey = tuple[str, str]


@dataclass(frozen=True)
class Tally:
    """The webhook calls of one run, counted."""

    calls: int = 0
    calls_with_storm_alerts: int = 0
    unreadable_calls: int = 0
    alerts_listed: int = 0  # firing alerts over all calls, repeats included
    first_notified: dict[AlertKey, float] = field(default_factory=dict)  # storm alert -> time of its first call


def firing_keys(payload: object) -> list[AlertKey] | None:
    """(alertname, instance) of each firing alert one call lists; None when the body is not a webhook notification."""
    if not isinstance(payload, dict) or not isinstance(payload.get("alerts"), list):
        return None
    keys = []
    for alert in payload["alerts"]:
        labels = alert.get("labels") if isinstance(alert, dict) else None
        if not isinstance(labels, dict):
            return None
        if alert.get("status") == "firing":
            keys.append((str(labels.get("alertname", "")), str(labels.get("instance", ""))))
    return keys


def tally(calls: list[tuple[float, object]], storm: set[AlertKey]) -> Tally:
    """Count `calls` ((received unix time, parsed body), in any order) against the storm's alert keys."""
    first: dict[AlertKey, float] = {}
    with_storm = unreadable = listed = 0
    for at, payload in sorted(calls, key=lambda call: call[0]):
        keys = firing_keys(payload)
        if keys is None:
            unreadable += 1
            continue
        listed += len(keys)
        ours = [key for key in keys if key in storm]
        with_storm += bool(ours)
        for key in ours:
            first.setdefault(key, at)
    return Tally(len(calls), with_storm, unreadable, listed, first)
