"""I/O: the composition root's Prometheus metrics, declared once on the default registry."""
from __future__ import annotations

from prometheus_client import Counter

METRICS_SAMPLE_FAILURES = Counter(
    "alertdesk_metrics_sample_failures_total",
    "Metric samples that failed (broker or database away, or too slow); the gauge keeps its last value and the"
    " next tick tries again. By sampler: lag (consumer lag and DLQ size), incidents, escalations.",
    ["sampler"],
)

GROUP_MEMBERS_DROPPED = Counter(
    "alertdesk_group_members_dropped_total",
    "Workers found dead in the database (no liveness row for the stale time) whose consumer-group member this"
    " worker asked the broker to drop. By outcome: dropped, already_gone (the broker had expired it), failed"
    " (the broker did not answer; tried again on the next tick).",
    ["outcome"],
)
