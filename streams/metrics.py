"""I/O: Prometheus metrics of the alert path (receivers and stream stages), declared once."""
from __future__ import annotations

import collections
from collections.abc import Iterable

from prometheus_client import Counter, Gauge, Histogram

ALERTS_RECEIVED = Counter(
    "alertdesk_alerts_received_total", "Alerts accepted by a receiver and acknowledged by the broker.", ["source"]
)
ALERTS_INVALID = Counter(
    "alertdesk_alerts_invalid_total", "Request bodies refused with 4xx because they can never be valid.", ["source"]
)
INGEST_UNAVAILABLE = Counter(
    "alertdesk_ingest_unavailable_total", "Requests answered 503 because the broker did not acknowledge in time.", ["source"]
)
INGEST_UNAUTHORIZED = Counter(
    "alertdesk_ingest_unauthorized_total",
    "Requests answered 401 because their credentials were missing or wrong, by reason.",
    ["source", "reason"],
)
ALERTS_DEDUPED = Counter(
    "alertdesk_alerts_deduped_total", "Alerts that repeated a known state and went no further than dedupe."
)
ALERT_CHANGES = Counter("alertdesk_alert_changes_total", "Alert transitions sent to correlation.", ["kind"])
DEAD_LETTERS = Counter(
    "alertdesk_dead_letters_total", "Events routed to the dead-letter topic, by stage.", ["stage"]
)
STAGE_SECONDS = Histogram(
    "alertdesk_stage_processing_seconds",
    "Time one event spends in a pipeline stage's handler.",
    ["stage"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
FLAPPING_HELD_BACK = Counter(
    "alertdesk_flapping_held_back_total",
    "New and resolved transitions of flapping alerts that dedupe held back instead of sending to correlation"
    " (flapping starts and ends are alertdesk_alert_changes_total{kind=\"flapping\"|\"unflapped\"}).",
    ["kind"],
)
CORRELATION_COMMANDS = Counter(
    "alertdesk_correlation_commands_total",
    "Commands correlation issued, by kind (open, attach, hold, suppress, reroot, prioritize, reopen, resolve…).",
    ["kind"],
)
CORRELATION_SCOPES = Gauge("alertdesk_correlation_scopes", "Correlation scopes (sites) held in memory by this worker.")
CORRELATION_HELD = Gauge("alertdesk_correlation_held_alerts", "Alerts waiting out a hold-down or group window on this worker.")
SNMP_TRAPS = Counter(
    "alertdesk_snmp_traps_total",
    "SNMP traps and informs the receiver accepted (received), put on alerts.raw (published), or lost because"
    " its queue was full or the worker stopped before the broker took them (dropped).",
    ["outcome"],
)
SNMP_TRAPS_REFUSED = Counter(
    "alertdesk_snmp_traps_refused_total",
    "SNMP messages pysnmp refused before they became traps, by its reason (UnknownCommunityName,"
    " AuthenticationFailure, UnknownSecurityName, UnknownEngineID…).",
    ["reason"],
)
CONSUMER_LAG = Gauge(
    "alertdesk_consumer_lag",
    "Records of a partition this worker is assigned that the consumer group has not committed yet"
    " (end offset minus committed offset), sampled every metrics_sample_interval_s.",
    ["topic", "partition"],
)
DLQ_RECORDS = Gauge(
    "alertdesk_dlq_records",
    "Records held in the dead-letter topic (end minus earliest offsets, all partitions), sampled on the same timer.",
)


def count_by_label(counter: Counter, labels: Iterable[str]) -> None:
    """Add to `counter` once per distinct label of `labels`, by how often it occurs.

    A storm's batch is thousands of alerts of a few kinds: one increment per kind, not per alert,
    keeps the metrics' lock and label look-up out of the per-alert path.
    """
    for label, times in collections.Counter(labels).items():
        counter.labels(label).inc(times)
