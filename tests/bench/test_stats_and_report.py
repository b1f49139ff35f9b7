"""Summaries the benchmarks print: nearest-rank percentiles in milliseconds, and the plain-text tables."""
from __future__ import annotations

import pytest

from bench.report import cell, storm_table, table
from bench.stats import latency_ms, percentile


@pytest.mark.parametrize(("values", "q", "expected"), [
    ([], 0.5, None),
    ([7.0], 0.99, 7.0),
    ([1.0, 2.0, 3.0, 4.0], 0.5, 2.0),
    ([1.0, 2.0, 3.0, 4.0], 1.0, 4.0),
    ([1.0, 2.0, 3.0, 4.0], 0.0, 1.0),
    ([float(i) for i in range(1, 101)], 0.99, 99.0),
    ([float(i) for i in range(1, 101)], 0.9, 90.0),
])
def test_percentile_is_nearest_rank(values, q, expected):
    assert percentile(values, q) == expected


@pytest.mark.parametrize(("seconds", "kwargs", "expected"), [
    ([], {}, {"p50": None, "p90": None, "p99": None, "max": None}),
    ([0.3, 0.1, 0.2], {}, {"p50": 200.0, "p90": 300.0, "p99": 300.0, "max": 300.0}),  # any order
    ([0.0123456], {"quantiles": (("p50", 0.5),), "digits": 2}, {"p50": 12.35}),
])
def test_latency_ms_summarises_seconds_as_milliseconds(seconds, kwargs, expected):
    assert latency_ms(seconds, **kwargs) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (None, "–"), (20111, "20,111"), (1837.6, "1,837.6"), ("6 calls", "6 calls"), (True, "True"),
])
def test_cell(value, expected):
    assert cell(value) == expected


def test_table_aligns_columns_under_a_rule():
    assert table(["", "a"], [["alerts", 1000], ["p99 ms", None]]).splitlines() == [
        "        a", "------  -----", "alerts  1,000", "p99 ms  –"]


def test_storm_table_puts_the_servers_side_by_side():
    def result(name: str, pages: str) -> dict:
        return {"phase1_send": {"failed": 0}, "phase2_send": None, "phase1_cpu_pct": {name: 50.0},
                "result": {"alerts_sent": 600, "storm_alerts": 204, "accepted_alerts_per_s": 1800.0, "through": 204,
                           "missing": 0, "through_alerts_per_s": 400.0, "notifications": pages,
                           "latency_ms": {"p50": 1.0, "p99": 2.0, "max": 3.0}, "rss_mib": {name: {"peak": 30.0}}}}
    text = storm_table({"alertdesk": result("alertdesk", "2 pages"), "Alertmanager": result("alertmanager", "6 calls")})
    assert "notifications sent              2 pages" in text
    assert text.splitlines()[0].split() == ["alertdesk", "Alertmanager"]
    assert "alertdesk 30.0" in text and "alertmanager 30.0" in text
