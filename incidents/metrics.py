"""I/O: the incidents package's Prometheus metrics, declared once on the default registry.

The incident writer shell counts; `incidents.store` stays free of metrics.
"""
from __future__ import annotations

from prometheus_client import Counter, Gauge

INCIDENTS_OPENED = Counter(
    "alertdesk_incidents_opened_total",
    "Incidents opened by the incident writer.",
)
INCIDENT_COMMANDS = Counter(
    "alertdesk_incident_commands_total",
    "Incident commands applied by the incident writer, by command kind.",
    ["kind"],
)
INCIDENTS_OPEN = Gauge(
    "alertdesk_incidents_open",
    "Incidents open now (triggered or acknowledged), by priority; sampled every metrics_sample_interval_s.",
    ["priority"],
)
