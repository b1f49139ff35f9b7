"""The incidents metrics are registered once under their documented names."""
from __future__ import annotations

from prometheus_client import REGISTRY

from incidents.metrics import INCIDENT_COMMANDS, INCIDENTS_OPENED


def test_counters_are_exposed_under_their_names():
    INCIDENTS_OPENED.inc(0)
    INCIDENT_COMMANDS.labels(kind="open").inc(0)
    names = {sample.name for metric in REGISTRY.collect() for sample in metric.samples}
    assert {"alertdesk_incidents_opened_total", "alertdesk_incident_commands_total"} <= names
