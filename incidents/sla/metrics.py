"""I/O: the SLA monitor's Prometheus metrics, declared once on the default registry."""
from __future__ import annotations

from prometheus_client import Counter

SLA_BREACHES = Counter(
    "alertdesk_sla_breaches_total",
    "SLA deadlines that passed with the clock still running, by kind (response, resolution).",
    ["kind"],
)
SLA_WARNINGS = Counter(
    "alertdesk_sla_warnings_total",
    "SLA warnings announced (the warning fraction of a target passed), by kind (response, resolution).",
    ["kind"],
)
SLA_CHECK_FAILURES = Counter(
    "alertdesk_sla_check_failures_total",
    "SLA monitor ticks that failed (database or broker unavailable); the next tick tries again.",
)
