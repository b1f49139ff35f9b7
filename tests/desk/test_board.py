"""The board's pure logic: filters and search, order by priority then SLA time left, time-left text."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from desk.board import (
    BoardFilter,
    Deadline,
    FilterError,
    board_rows,
    deadlines,
    format_span,
    format_time_left,
    format_when,
    next_deadline,
)
from desk.i18n import EN, ZH, translator
from streams.clock import format_instant

NOW = datetime(2026, 1, 1, 8, 0, tzinfo=timezone.utc)
en, zh = translator(EN), translator(ZH)


def incident(id: int, priority: str = "P3", status: str = "triggered", **fields) -> dict:
    """An incident dict as incidents.queries returns it; `*_in` (minutes from NOW) set the SLA deadlines."""
    base = {
        "id": id, "incident_key": f"k{id}", "title": f"incident {id}", "status": status, "priority": priority,
        "site": "sh1", "assignee": None, "major": False, "services": [], "root_name": None, "root_component": None,
        "scope": "sh1", "category": "power", "opened_at": format_instant(NOW - timedelta(minutes=id)),
        "acknowledged_at": None, "resolved_at": None,
    }
    for kind in ("response", "resolution"):
        minutes = fields.pop(f"{kind}_in", None)
        if minutes is not None:
            base[f"{kind}_due_at"] = format_instant(NOW + timedelta(minutes=minutes))
    return {**base, **fields}


def ids(rows) -> list[int]:
    return [row.incident["id"] for row in rows]


def test_rows_order_by_priority_then_the_deadline_nearest_then_the_oldest():
    incidents = [
        incident(1, "P2", resolution_in=240),
        incident(2, "P1", resolution_in=60),
        incident(3, "P2", response_in=-10),  # breached: most urgent of the P2s
        incident(4, "P2"),  # no SLA: after the P2s with a clock
        incident(5, "P1", response_in=5),
        incident(6, "P2"),  # older than 4 (opened 6 minutes before NOW)
        incident(7, "P9"),  # unknown priority: last
    ]
    assert ids(board_rows(incidents, BoardFilter())) == [5, 2, 3, 1, 6, 4, 7]


def test_the_response_clock_stops_at_the_acknowledgement_and_the_resolution_clock_at_the_resolution():
    acked = incident(1, status="acknowledged", response_in=5, resolution_in=60,
                     acknowledged_at=format_instant(NOW - timedelta(minutes=1)))
    assert next_deadline(acked) == Deadline("resolution", NOW + timedelta(minutes=60), None)
    assert [(d.kind, d.state(NOW)) for d in deadlines(acked)] == [("response", "met"), ("resolution", "ok")]
    late = incident(2, status="resolved", response_in=-30, resolution_in=-1,
                    resolved_at=format_instant(NOW))  # resolved without an ack, after both deadlines
    assert next_deadline(late) is None
    assert [d.state(NOW) for d in deadlines(late)] == ["met_late", "met_late"]
    assert deadlines(incident(3)) == ()


@pytest.mark.parametrize("minutes, state", [(-1, "breached"), (0.5, "near"), (14, "near"), (15, "ok"), (300, "ok")])
def test_deadline_state_colours(minutes, state):
    assert Deadline("response", NOW + timedelta(minutes=minutes), None).state(NOW) == state


@pytest.mark.parametrize("span, english, chinese", [
    (timedelta(seconds=30), "<1m", "不到 1 分"),
    (timedelta(minutes=12, seconds=59), "12m", "12分"),
    (timedelta(hours=1, minutes=5), "1h 05m", "1小时5分"),
    (timedelta(days=2, hours=3, minutes=9), "2d 3h", "2天3小时"),
    (-timedelta(minutes=90), "1h 30m", "1小时30分"),
])
def test_format_span(span, english, chinese):
    assert format_span(span, en) == english
    assert format_span(span, zh) == chinese


def test_format_time_left_running_breached_and_met():
    assert format_time_left(Deadline("response", NOW + timedelta(minutes=12), None), NOW, en) == "12m left"
    assert format_time_left(Deadline("response", NOW - timedelta(minutes=75), None), NOW, en) == "overdue by 1h 15m"
    assert format_time_left(Deadline("response", NOW - timedelta(minutes=75), None), NOW, zh) == "已超时 1小时15分"
    met = Deadline("response", NOW, NOW - timedelta(minutes=1))
    assert format_time_left(met, NOW, en) == "met (2026-01-01 07:59:00 UTC)"
    late = Deadline("response", NOW - timedelta(minutes=2), NOW - timedelta(minutes=1))
    assert format_time_left(late, NOW, zh) == "超时完成（2026-01-01 07:59:00 UTC）"


def test_format_when():
    assert format_when("2026-01-01T08:30:05.123Z") == "2026-01-01 08:30:05 UTC"
    assert format_when(datetime(2026, 1, 1, 16, 0, tzinfo=timezone(timedelta(hours=8)))) == "2026-01-01 08:00:00 UTC"
    assert format_when(None) == ""


def test_filters_narrow_by_each_field_and_search_looks_in_names_places_people_and_ids():
    incidents = [
        incident(1, "P1", site="sh1", major=True, title="UPS-A on battery", root_name="UPS-A"),
        incident(2, "P2", status="acknowledged", site="bj2", assignee="line2", services=["网银"]),
        incident(3, "P3", status="resolved", site="sh1", root_component="rack/A-03"),
    ]

    def shown(**params) -> list[int]:
        return ids(board_rows(incidents, BoardFilter.parse(params)))

    assert shown() == [1, 2]  # open only by default
    assert shown(status="resolved") == [3]
    assert shown(status="acknowledged") == [2]
    assert shown(priority="p1") == [1]
    assert shown(site="bj2") == [2]
    assert shown(assignee="line2") == [2]
    assert shown(major="1") == [1]
    assert shown(q="ups-a") == [1]
    assert shown(q="网银") == [2]
    assert shown(q="#2") == [2]
    assert shown(status="resolved", q="A-03") == [3]
    assert shown(q="nothing like it") == []


def test_filter_query_keeps_only_what_differs_from_the_default():
    assert BoardFilter().query() == ""
    parsed = BoardFilter.parse({"status": "resolved", "major": "on", "q": "UPS A", "site": ""})
    assert parsed.query() == "status=resolved&major=1&q=UPS+A"
    assert BoardFilter.parse(dict(p.split("=") for p in "status=resolved&major=1&q=UPS A".split("&"))) == parsed


@pytest.mark.parametrize("params, message", [
    ({"status": "pending"}, "status 'pending' is not one of open, triggered"),
    ({"priority": "P0"}, "priority 'P0' is not one of P1"),
    ({"major": "maybe"}, "major 'maybe'"),
    ({"q": "x" * 201}, "at most 200"),
    ({"site": "s" * 129}, "site is 129 characters"),
    ({"colour": "red"}, "unknown filter 'colour'"),
])
def test_bad_filters_are_refused_with_the_reason(params, message):
    with pytest.raises(FilterError, match=message):
        BoardFilter.parse(params)
