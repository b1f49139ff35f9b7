"""Pure: parse the report the heartbeat monitor puts on `alerts.raw` when a heartbeat goes missing or comes back.

The monitor (`incidents/heartbeats/`) is this format's only writer; the body is a JSON object:

    name              the heartbeat's name ([a-z0-9._-], 1 to 128 characters)
    status            "firing" (the interval passed without a ping) or "resolved" (it pinged again)
    interval_seconds  the configured interval, a whole number of seconds
    labels            the configured labels ({} if none); site, room, row, rack give the location
    last_ping_at      the last ping before the report (RFC 3339), or null if it never pinged
    due_at            when the missed ping was due: the alert's start
    at                when the report was made: for "resolved", the ping (or removal) that ended it

The alert is `HeartbeatMissed` on resource <name>, always critical: a monitoring source that went
quiet hides every alarm it would have raised. Its fingerprint is Alertmanager's fingerprint of
its labels (the configured ones plus `alertname` and `heartbeat`), so the firing report and the
resolving one are the same alert. Unknown fields and the reserved labels are refused: the
writer is ours, so anything unexpected is a bug to see in the dead-letter topic.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from streams.alerts.fingerprint import label_fingerprint
from streams.alerts.model import Alert, AlertStatus, Severity
from streams.alerts.parsers.errors import ParseError
from streams.alerts.parsers.fields import (
    check_order,
    instant,
    json_type,
    load_json,
    location_of,
    string_map,
    text,
    wire_precision,
)

SOURCE = "heartbeat"
ALERT_NAME = "HeartbeatMissed"
NAME_PATTERN = re.compile(r"[a-z0-9._-]{1,128}")
#: Labels the alert sets itself; configured labels may not use them.
RESERVED_LABELS = frozenset({"alertname", "heartbeat"})
#: A month: longer than any monitoring source stays quiet on purpose, short enough to catch a typo.
MAX_INTERVAL_SECONDS = 31 * 24 * 3600

WHERE = "heartbeat report"
FIELDS = frozenset({"name", "status", "interval_seconds", "labels", "last_ping_at", "due_at", "at"})
_STATUSES = {status.value: status for status in AlertStatus}


def format_interval(seconds: int) -> str:
    """Write a positive interval the way operators configure it: 90 -> "1m30s", 7200 -> "2h"."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return "".join(f"{value}{unit}" for value, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if value)


def parse_heartbeat(body: str, *, received_at: datetime, source: str) -> list[Alert]:
    """Parse one heartbeat report into a `HeartbeatMissed` alert.

    Args:
        body: the report as the monitor produced it.
        received_at: the envelope's time, recorded on the alert.
        source: the source name recorded on the alert.

    Returns:
        A list of one `Alert`: firing from `due_at`, or resolved at `at`.

    Raises:
        ParseError: when the body is not a report; the reason names the field.
    """
    data = load_json(body)
    if not isinstance(data, dict):
        raise ParseError(f"body must be a JSON object (a heartbeat report), got {json_type(data)}")
    unknown = data.keys() - FIELDS
    if unknown:
        raise ParseError(f"{WHERE}: unknown field '{min(unknown)}'; allowed fields are {', '.join(sorted(FIELDS))}")
    missing = FIELDS - {"last_ping_at"} - data.keys()
    if missing:
        raise ParseError(f"{WHERE}: '{min(missing)}' is required")
    name = _name(data["name"])
    status = _status(data["status"])
    interval = _interval(data["interval_seconds"])
    labels = _labels(data["labels"], name)
    last_ping_at = instant(data.get("last_ping_at"), WHERE, "last_ping_at")
    due_at = _required_instant(data, "due_at")
    at = _required_instant(data, "at")
    ends_at = at if status is AlertStatus.RESOLVED else None
    check_order(due_at, ends_at, WHERE, "due_at", "at")
    return [
        Alert(
            fingerprint=label_fingerprint(labels),
            source=source,
            status=status,
            severity=Severity.CRITICAL,
            name=ALERT_NAME,
            resource=name,
            location=location_of(labels),
            labels=labels,
            annotations=_annotations(name, interval, last_ping_at),
            starts_at=due_at,
            received_at=wire_precision(received_at),
            ends_at=ends_at,
        )
    ]


def _name(value: Any) -> str:
    name = text(value, WHERE, "name", limit=128)
    if not NAME_PATTERN.fullmatch(name):
        raise ParseError(f"{WHERE}: 'name' must be 1 to 128 of a-z, 0-9, '.', '_', '-', got {name!r}")
    return name


def _status(value: Any) -> AlertStatus:
    if not isinstance(value, str) or value not in _STATUSES:
        shown = repr(value[:80]) if isinstance(value, str) else json_type(value)
        raise ParseError(f"{WHERE}: 'status' must be one of {', '.join(_STATUSES)}, got {shown}")
    return _STATUSES[value]


def _interval(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_INTERVAL_SECONDS:
        shown = value if isinstance(value, int) and not isinstance(value, bool) else json_type(value)
        raise ParseError(
            f"{WHERE}: 'interval_seconds' must be a whole number from 1 to {MAX_INTERVAL_SECONDS}, got {shown}"
        )
    return value


def _labels(value: Any, name: str) -> dict[str, str]:
    configured = string_map(value, WHERE, "labels")
    reserved = RESERVED_LABELS & configured.keys()
    if reserved:
        raise ParseError(f"{WHERE}: 'labels.{min(reserved)}' is reserved; the alert sets it itself")
    return {**configured, "alertname": ALERT_NAME, "heartbeat": name}


def _required_instant(data: dict[str, Any], field: str) -> datetime:
    value = instant(data[field], WHERE, field)
    if value is None:
        raise ParseError(f"{WHERE}: '{field}' must be an RFC 3339 timestamp, not {json_type(data[field])}")
    return value


def _annotations(name: str, interval: int, last_ping_at: datetime | None) -> dict[str, str]:
    every = format_interval(interval)
    last = last_ping_at.isoformat() if last_ping_at else "never"
    return {
        "summary": f"Heartbeat {name} missed: no ping for more than {every}",
        "summary_zh": f"监控源 {name} 心跳丢失：超过 {every} 未收到",
        "description": f"The monitoring source {name} must ping /heartbeat/{name} every {every}; last ping: {last}.",
    }
