"""I/O: the notify package's Prometheus metrics, declared once at import."""
from __future__ import annotations

from prometheus_client import Counter

PAGES = Counter(
    "alertdesk_pages_total",
    "Messages handed to a channel, by channel and outcome (sent or failed).",
    ["channel", "status"],
)
