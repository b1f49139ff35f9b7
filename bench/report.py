"""Pure: the human tables `alertdesk bench` prints (the raw results go to JSON)."""
from __future__ import annotations

#: The storm table's rows: a label and how to read its cell from one target's result.
STORM_ROWS = (
    ("alerts sent (storm + re-sends)", lambda r: r["result"]["alerts_sent"]),
    ("unique storm alerts", lambda r: r["result"]["storm_alerts"]),
    ("alerts/s accepted (storm)", lambda r: r["result"]["accepted_alerts_per_s"]),
    ("POSTs failed after retries", lambda r: r["phase1_send"]["failed"] + ((r["phase2_send"] or {}).get("failed", 0))),
    ("storm alerts through", lambda r: f"{r['result']['through']:,} (missing {r['result']['missing']:,})"),
    ("alerts/s through", lambda r: r["result"]["through_alerts_per_s"]),
    ("notifications sent", lambda r: r["result"]["notifications"]),
    ("latency p50 ms", lambda r: r["result"]["latency_ms"]["p50"]),
    ("latency p99 ms", lambda r: r["result"]["latency_ms"]["p99"]),
    ("latency max ms", lambda r: r["result"]["latency_ms"]["max"]),
    ("peak RSS MiB", lambda r: ", ".join(f"{name} {rss['peak']}" for name, rss in r["result"]["rss_mib"].items())),
    ("CPU % of a core (phase 1)",
     lambda r: ", ".join(f"{name} {r['phase1_cpu_pct'][name]}" for name in r["result"]["rss_mib"])),
)


def cell(value: object) -> str:
    """A table cell: numbers with thousands separators, None as a dash."""
    if value is None:
        return "–"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def table(header: list[str], rows: list[list[object]]) -> str:
    """A plain-text table, columns left-aligned to their widest cell, a rule under the header."""
    cells = [header] + [[cell(value) for value in row] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip() for line in cells]
    return "\n".join([lines[0], "  ".join("-" * width for width in widths), *lines[1:]])


def storm_table(results: dict[str, dict]) -> str:
    """The storm's results side by side, one column per target (e.g. alertdesk and Alertmanager)."""
    rows = [[label, *(read(result) for result in results.values())] for label, read in STORM_ROWS]
    return table(["", *results], rows)
