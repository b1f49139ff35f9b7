"""Pure report computations over hand-made incidents: MTTA/MTTR statistics, groups, first-line resolution, SLA
compliance, counts and noise per day, the CSV export and the SVG chart, checked against numbers computed by hand."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest

from incidents.reports.chart import Bar, bar_chart
from incidents.reports.csv_export import COLUMNS, incidents_csv
from incidents.reports.lines import (
    assignee_from_detail,
    line_of,
    max_level_paged,
    reassigned_beyond_first_line,
    support_line,
)
from incidents.reports.period import Bucket, PeriodError, month_period, months_between, range_period, zone
from incidents.reports.records import AlertSample, IncidentRecord, PageRecord, PagingFacts
from incidents.reports.series import incident_counts, noise
from incidents.reports.stats import percentile, timing
from incidents.reports.summary import GroupBy, SlaOutcome, resolution_outcome, response_outcome, summarize

T0 = datetime(2026, 11, 3, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
SHANGHAI = zone("Asia/Shanghai")
NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def record(id: int, **fields) -> IncidentRecord:
    values = dict(
        title=f"incident {id}", priority="P2", category="power", services=(), site="dc1", status="resolved",
        major=False, opened_at=T0,
    )
    values.update(fields)
    return IncidentRecord(id=id, **values)


# Four incidents: MTTA 2, 4, 6 min (one never acknowledged); MTTR 10, 20, 30, 100 min.
RECORDS = [
    record(1, priority="P1", services=("erp", "mail"), acknowledged_at=T0 + minutes(2), resolved_at=T0 + minutes(10),
           response_due_at=T0 + minutes(15), resolution_due_at=T0 + minutes(240), max_level_paged=1),
    record(2, priority="P1", services=("erp",), acknowledged_at=T0 + minutes(4), resolved_at=T0 + minutes(20),
           response_due_at=T0 + minutes(3), resolution_due_at=T0 + minutes(240), support_line=2, max_level_paged=2),
    record(3, priority="P2", category="cooling", acknowledged_at=T0 + minutes(6), resolved_at=T0 + minutes(30),
           reassigned_beyond_first_line=True),
    record(4, priority="P3", resolved_at=T0 + minutes(100), response_due_at=T0 + minutes(30),
           response_breached_at=T0 + minutes(30)),
]


def test_timing_mean_median_p90_by_hand():
    stats = timing([600, 1200, 1800, 6000, None])
    assert (stats.count, stats.mean_s, stats.median_s, stats.p90_s) == (4, 2400.0, 1500.0, 6000)
    assert timing([None, None]).to_dict() == {"count": 0, "mean_s": None, "median_s": None, "p90_s": None}
    assert percentile(list(range(1, 11)), 90) == 9  # nearest rank: ceil(0.9 * 10) = 9th value
    assert percentile([5.0], 90) == 5.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 90)


def test_summary_overall_and_by_priority():
    summary = summarize(RECORDS, GroupBy.PRIORITY, NOW)
    total = summary.total
    assert (total.count, total.resolved) == (4, 4)
    assert (total.mtta.count, total.mtta.mean_s, total.mtta.median_s, total.mtta.p90_s) == (3, 240.0, 240.0, 360.0)
    assert (total.mttr.mean_s, total.mttr.median_s, total.mttr.p90_s) == (2400.0, 1500.0, 6000.0)
    # 2 was paged at level 2, 3 was reassigned to another line: 1 and 4 were resolved by the first line.
    assert (total.first_line_resolved, total.first_line_rate) == (2, 0.5)
    # response: 1 met (2 <= 15), 2 breached (4 > 3), 4 breached (marked, never acknowledged); 3 had no deadline.
    assert total.response.to_dict() == {"met": 1, "breached": 2, "pending": 0, "rate": 1 / 3}
    assert total.resolution.to_dict() == {"met": 2, "breached": 0, "pending": 0, "rate": 1.0}
    assert [group.key for group in summary.groups] == ["P1", "P2", "P3"]
    p1 = summary.groups[0]
    assert (p1.count, p1.mtta.mean_s, p1.mttr.median_s, p1.first_line_rate) == (2, 180.0, 900.0, 0.5)


def test_summary_by_service_line_and_category():
    by_service = summarize(RECORDS, GroupBy.SERVICE, NOW)
    assert [(g.key, g.count) for g in by_service.groups] == [("erp", 2), ("mail", 1), ("(none)", 2)]
    by_line = summarize(RECORDS, GroupBy.LINE, NOW)
    assert [(g.key, g.count, g.mtta.mean_s) for g in by_line.groups] == [("1", 3, 240.0), ("2", 1, 240.0)]
    by_category = summarize(RECORDS, GroupBy.CATEGORY, NOW)
    assert [(g.key, g.count) for g in by_category.groups] == [("cooling", 1), ("power", 3)]


def test_summary_of_no_incidents_has_no_rates():
    summary = summarize([], GroupBy.PRIORITY, NOW)
    assert summary.groups == ()
    assert summary.total.to_dict()["first_line_rate"] is None
    assert summary.total.response.rate is None
    assert summary.total.mttr.mean_s is None


def test_sla_outcomes_met_breached_pending():
    open_incident = record(9, status="triggered", response_due_at=T0 + minutes(15), resolution_due_at=T0 + minutes(240))
    assert response_outcome(open_incident, T0 + minutes(10)) is SlaOutcome.PENDING
    assert response_outcome(open_incident, T0 + minutes(16)) is SlaOutcome.BREACHED
    assert resolution_outcome(open_incident, T0 + minutes(16)) is SlaOutcome.PENDING
    on_time = record(10, acknowledged_at=T0 + minutes(15), response_due_at=T0 + minutes(15))
    assert response_outcome(on_time, NOW) is SlaOutcome.MET  # exactly at the deadline is in time
    assert resolution_outcome(on_time, NOW) is None  # no resolution deadline: not counted


def test_support_lines_from_paging():
    facts = PagingFacts(
        pages=(PageRecord(1, "zhang", T0 + minutes(1)), PageRecord(2, "li", T0 + minutes(6)),
               PageRecord(3, "vendor", T0 + minutes(20))),
        level_targets=(frozenset({"line1", "zhang"}), frozenset({"line2"}), frozenset({"vendor-x"})),
    )
    assert support_line(facts, T0 + minutes(10)) == 2  # acknowledged after level 2 was paged
    assert support_line(facts, T0 + minutes(3)) == 1
    assert support_line(facts, None) == 3
    assert support_line(PagingFacts(), T0) == 1  # nobody paged: the desk, first line
    assert (max_level_paged(facts), max_level_paged(PagingFacts())) == (3, 0)
    assert (line_of("line2", facts), line_of("li", facts), line_of("stranger", facts)) == (2, 2, None)
    assert reassigned_beyond_first_line(["zhang", "line2"], facts)
    assert not reassigned_beyond_first_line(["zhang", "stranger"], facts)


def test_assignee_from_timeline_detail():
    assert assignee_from_detail("assigned to line2") == "line2"
    assert assignee_from_detail("assigned to line3 (was line2)") == "line3"
    assert assignee_from_detail("on my way") is None


def test_month_period_is_local_and_validated():
    period = month_period("2026-11", SHANGHAI)
    assert (period.start, period.end) == (
        datetime(2026, 10, 31, 16, tzinfo=timezone.utc), datetime(2026, 11, 30, 16, tzinfo=timezone.utc)
    )
    assert len(period.days()) == 30
    assert month_period("2026-12", SHANGHAI).end == datetime(2026, 12, 31, 16, tzinfo=timezone.utc)
    for bad in ("2026-13", "26-11", "november"):
        with pytest.raises(PeriodError, match="YYYY-MM"):
            month_period(bad, SHANGHAI)
    with pytest.raises(PeriodError, match="after"):
        range_period(T0, T0, SHANGHAI)
    with pytest.raises(PeriodError, match="at most 366"):
        range_period(T0, T0 + timedelta(days=400), SHANGHAI)
    with pytest.raises(PeriodError, match="IANA"):
        zone("Mars/Olympus")
    assert months_between(T0, T0 + timedelta(days=70), SHANGHAI) == ["2027-01", "2026-12", "2026-11"]


def test_counts_and_noise_per_local_day_and_week():
    period = month_period("2026-11", SHANGHAI)
    late = record(5, opened_at=datetime(2026, 11, 3, 17, tzinfo=timezone.utc),  # 01:00 on the 4th in Shanghai
                  pages=(PageRecord(1, "zhang", datetime(2026, 11, 3, 17, 1, tzinfo=timezone.utc)),))
    records = [*RECORDS, late]
    counts = dict(incident_counts(records, period, Bucket.DAY))
    assert (counts[date(2026, 11, 3)], counts[date(2026, 11, 4)], counts[date(2026, 11, 5)]) == (4, 1, 0)
    weeks = incident_counts(records, period, Bucket.WEEK)
    assert weeks[0] == (date(2026, 10, 26), 0) and (date(2026, 11, 2), 5) in weeks
    alerts = [AlertSample(T0 + minutes(n)) for n in range(18)] + [AlertSample(T0, suppressed=True) for _ in range(2)]
    alerts.append(AlertSample(datetime(2026, 12, 5, tzinfo=timezone.utc)))  # outside the month: left out
    points = {point.bucket: point for point in noise(records, alerts, period, Bucket.DAY)}
    day = points[date(2026, 11, 3)]
    assert (day.alerts, day.suppressed, day.incidents, day.pages, day.reduction) == (20, 2, 4, 0, 0.8)
    assert (points[date(2026, 11, 4)].pages, points[date(2026, 11, 4)].reduction) == (1, None)


def test_csv_has_one_row_per_incident_with_timings_and_defused_formulas():
    hostile = record(6, title="=HYPERLINK(\"http://evil\")", acknowledged_at=T0 + minutes(1))
    text = incidents_csv([RECORDS[0], RECORDS[3], hostile], NOW)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(COLUMNS)
    assert [row["id"] for row in rows] == ["1", "4", "6"]
    first = rows[0]
    assert (first["time_to_acknowledge_s"], first["time_to_resolve_s"], first["services"]) == ("120", "600", "erp;mail")
    assert (first["response_sla"], first["resolution_sla"], first["first_line_resolved"]) == ("met", "met", "yes")
    assert (rows[1]["time_to_acknowledge_s"], rows[1]["response_sla"]) == ("", "breached")
    assert rows[2]["title"].startswith("'=")
    assert rows[0]["opened_at"] == "2026-11-03T02:00:00.000Z"


def test_bar_chart_scales_and_escapes():
    svg = bar_chart([Bar("P1", 2), Bar("<b>", 4), Bar("", 0)], title="per priority & day")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<rect") == 3
    assert "&lt;b&gt;" in svg and "<b>" not in svg and "per priority &amp; day" in svg
    # The plot is 220 - 34 - 16 = 170 px high: the tallest bar (4) fills it, 2 gets half.
    assert 'height="170.0"' in svg and 'height="85.0"' in svg
    with pytest.raises(ValueError, match="negative"):
        bar_chart([Bar("x", -1)], title="t")
