"""I/O: the notify package's Prometheus metrics, declared once at import."""
from __future__ import annotations

from prometheus_client import Counter, Gauge

PAGES = Counter(
    "alertdesk_pages_total",
    "Messages handed to a channel, by channel and outcome (sent or failed).",
    ["channel", "status"],
)
ESCALATIONS_DUE = Gauge(
    "alertdesk_escalations_due",
    "Escalations whose next step is due now (the paging timer loop should take them within paging_tick_s).",
)
ESCALATIONS_OVERDUE = Gauge(
    "alertdesk_escalations_overdue",
    "Escalations whose next step has been due for longer than escalation_overdue_after_s: no worker's timer loop"
    " is taking them (all pagers down, the database locked, or the loop stuck). Should always be 0.",
)
