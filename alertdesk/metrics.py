"""I/O: the composition root's Prometheus metrics, declared once on the default registry."""
from __future__ import annotations

from prometheus_client import Counter

METRICS_SAMPLE_FAILURES = Counter(
    "alertdesk_metrics_sample_failures_total",
    "Metric samples that failed (broker or database away, or too slow); the gauge keeps its last value and the"
    " next tick tries again. By sampler: lag (consumer lag and DLQ size), incidents, escalations.",
    ["sampler"],
)
