"""I/O: Prometheus metrics of the alert path (receivers and stream stages), declared once."""
from __future__ import annotations

from prometheus_client import Counter, Histogram

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
