"""I/O: the heartbeat metrics, declared once on the default registry; the monitor and its timer count."""
from __future__ import annotations

from prometheus_client import Counter, Gauge

HEARTBEAT_PINGS = Counter("alertdesk_heartbeat_pings_total", "Pings recorded, by heartbeat.", ["name"])
HEARTBEATS_MISSED = Counter(
    "alertdesk_heartbeats_missed_total",
    "Times a heartbeat went quiet and its HeartbeatMissed alert was raised.",
    ["name"],
)
HEARTBEATS_MISSING = Gauge(
    "alertdesk_heartbeats_missing", "Heartbeats whose HeartbeatMissed alert is firing now (as of the last check)."
)
HEARTBEAT_CHECK_FAILURES = Counter(
    "alertdesk_heartbeat_check_failures_total",
    "Heartbeat checks that failed (database or broker away); the next check tries again.",
)
