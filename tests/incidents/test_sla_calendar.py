"""Business calendars: working-time arithmetic across weekends, holidays, make-up days (调休) and DST, and parsing."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from incidents.sla.calendar import (
    TWENTY_FOUR_SEVEN,
    add_business_time,
    business_time_between,
    parse_calendar,
)
from streams.clock import FakeClock

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
# 2026-10-01..08 is China's National Day holiday; Sunday 2026-09-27 and Saturday 2026-10-10 are make-up working days.
OFFICE = parse_calendar(
    "office=Mon-Fri 09:00-17:00 Asia/Shanghai; holidays=2026-10-01..2026-10-08; workdays=2026-09-27 2026-10-10"
)
LUNCH = parse_calendar("desk=Mon-Fri 09:00-12:00 13:00-18:00 Asia/Shanghai")


def local(zone: ZoneInfo, *args: int) -> datetime:
    """An aware instant given in local wall-clock time, as UTC."""
    return datetime(*args, tzinfo=zone).astimezone(timezone.utc)


def sh(*args: int) -> datetime:
    return local(SHANGHAI, *args)


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        pytest.param(sh(2026, 1, 5, 10, 0), timedelta(hours=2), sh(2026, 1, 5, 12, 0), id="within a day"),
        pytest.param(sh(2026, 1, 2, 16, 0), timedelta(hours=2), sh(2026, 1, 5, 10, 0), id="Friday across the weekend"),
        pytest.param(sh(2026, 1, 3, 11, 0), timedelta(minutes=15), sh(2026, 1, 5, 9, 15), id="opened on Saturday"),
        pytest.param(sh(2026, 1, 5, 20, 0), timedelta(hours=1), sh(2026, 1, 6, 10, 0), id="opened after hours"),
        pytest.param(sh(2026, 1, 5, 7, 0), timedelta(hours=1), sh(2026, 1, 5, 10, 0), id="opened before hours"),
        pytest.param(sh(2026, 1, 2, 15, 0), timedelta(hours=2), sh(2026, 1, 2, 17, 0), id="ends exactly at closing"),
        pytest.param(sh(2026, 1, 5, 9, 0), timedelta(hours=24), sh(2026, 1, 7, 17, 0), id="three working days"),
        pytest.param(sh(2026, 9, 30, 16, 0), timedelta(hours=2), sh(2026, 10, 9, 10, 0), id="across the holiday"),
        pytest.param(sh(2026, 9, 25, 16, 0), timedelta(hours=2), sh(2026, 9, 27, 10, 0), id="make-up Sunday works"),
        pytest.param(sh(2026, 10, 9, 16, 30), timedelta(hours=1), sh(2026, 10, 10, 9, 30), id="make-up Saturday works"),
        pytest.param(sh(2026, 1, 5, 10, 0), timedelta(0), sh(2026, 1, 5, 10, 0), id="zero is now"),
    ],
)
def test_add_business_time_on_a_5x8_calendar(start, duration, due):
    assert add_business_time(OFFICE, start, duration) == due
    assert business_time_between(OFFICE, start, due) == duration


def test_a_lunch_break_does_not_count():
    assert add_business_time(LUNCH, sh(2026, 1, 5, 11, 0), timedelta(hours=2)) == sh(2026, 1, 5, 14, 0)
    assert business_time_between(LUNCH, sh(2026, 1, 5, 8, 0), sh(2026, 1, 5, 20, 0)) == timedelta(hours=8)


def test_time_left_with_a_fake_clock_stands_still_over_the_weekend():
    clock = FakeClock(sh(2026, 1, 2, 16, 0))  # Friday 16:00
    opened = clock.now()
    due = add_business_time(OFFICE, opened, timedelta(hours=4))
    assert due == sh(2026, 1, 5, 12, 0)
    clock.advance(hours=1)  # Friday 17:00, closing
    assert business_time_between(OFFICE, clock.now(), due) == timedelta(hours=3)
    clock.advance(days=2, hours=15)  # Monday 08:00: the weekend did not count
    assert business_time_between(OFFICE, clock.now(), due) == timedelta(hours=3)
    clock.advance(hours=5)  # Monday 13:00: one working hour past due
    assert business_time_between(OFFICE, clock.now(), due) == -timedelta(hours=1)


def test_24x7_counts_every_hour():
    start = datetime(2026, 1, 2, 8, 0, tzinfo=timezone.utc)
    assert add_business_time(TWENTY_FOUR_SEVEN, start, timedelta(hours=60)) == start + timedelta(hours=60)
    assert business_time_between(TWENTY_FOUR_SEVEN, start, start + timedelta(days=3)) == timedelta(days=3)


def test_office_hours_follow_the_local_clock_across_dst():
    office = parse_calendar("berlin=Mon-Fri 09:00-17:00 Europe/Berlin")
    # Summer time starts on Sunday 2026-03-29: Friday 16:00 is 15:00 UTC, Monday 10:00 is 08:00 UTC.
    friday = local(BERLIN, 2026, 3, 27, 16, 0)
    assert friday == datetime(2026, 3, 27, 15, 0, tzinfo=timezone.utc)
    due = add_business_time(office, friday, timedelta(hours=2))
    assert due == datetime(2026, 3, 30, 8, 0, tzinfo=timezone.utc)
    assert business_time_between(office, friday, due) == timedelta(hours=2)


def test_a_whole_day_window_is_23_hours_on_the_spring_forward_day():
    always_local = parse_calendar("berlin-days=Mon-Sun 00:00-24:00 Europe/Berlin")
    start, end = local(BERLIN, 2026, 3, 29, 0, 0), local(BERLIN, 2026, 3, 30, 0, 0)
    assert business_time_between(always_local, start, end) == timedelta(hours=23)
    autumn_start, autumn_end = local(BERLIN, 2026, 10, 25, 0, 0), local(BERLIN, 2026, 10, 26, 0, 0)
    assert business_time_between(always_local, autumn_start, autumn_end) == timedelta(hours=25)


def test_parsed_calendar():
    calendar = parse_calendar("ops=Sun-Thu+Sat 08:00-20:00 Asia/Dubai; holidays=2026-12-02")
    assert calendar.weekdays == frozenset({6, 0, 1, 2, 3, 5})
    assert calendar.windows == ((8 * 60, 20 * 60),)
    assert not calendar.works_on(date(2026, 12, 2))
    assert not calendar.works_on(date(2026, 12, 4))  # a Friday
    assert OFFICE.works_on(date(2026, 9, 27)) and not OFFICE.works_on(date(2026, 10, 5))


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("office", "is not like"),
        ("24x7=Mon-Fri 09:00-17:00 UTC", "built in"),
        ("office=Mon-Fri 09:00-17:00", "are not like"),
        ("office=Mon-Fry 09:00-17:00 UTC", "'Fry' is not a day"),
        ("office=Mon-Fri 9-5 UTC", "is not a window"),
        ("office=Mon-Fri 17:00-09:00 UTC", "span midnight"),
        ("office=Mon-Fri 09:00-25:00 UTC", "not a time of day"),
        ("office=Mon-Fri 09:00-13:00 12:00-17:00 UTC", "overlap"),
        ("office=Mon-Fri 09:00-17:00 Asia/Beijing", "not an IANA time zone"),
        ("office=Mon-Fri 09:00-17:00 UTC; holidays=2026-13-01", "is not a date"),
        ("office=Mon-Fri 09:00-17:00 UTC; holidays=2026-10-08..2026-10-01", "run forwards"),
        ("office=Mon-Fri 09:00-17:00 UTC; vacation=2026-10-01", "holidays=DATES or workdays=DATES"),
        ("office=Mon-Fri 09:00-17:00 UTC; holidays=2026-10-01; holidays=2026-10-02", "given twice"),
        ("office=Mon-Fri 09:00-17:00 UTC; holidays=2026-10-01; workdays=2026-10-01", "both a holiday"),
    ],
)
def test_bad_calendars_are_refused_with_the_reason(entry, message):
    with pytest.raises(ValueError, match=message):
        parse_calendar(entry)


def test_naive_times_and_negative_durations_are_refused():
    with pytest.raises(ValueError, match="naive"):
        add_business_time(OFFICE, datetime(2026, 1, 5, 9, 0), timedelta(hours=1))
    with pytest.raises(ValueError, match="negative"):
        add_business_time(OFFICE, sh(2026, 1, 5, 9, 0), -timedelta(hours=1))
