"""Maintenance windows: one-off, daily and weekly in a local zone, across DST, until a date, cancelled."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from streams.alerts.maintenance import (
    Frequency,
    MaintenanceWindow,
    Recurrence,
    WindowState,
    is_finished,
    next_occurrences,
    occurrence_at,
    parse_weekdays,
    window_state,
)

UTC = timezone.utc
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def window(starts_at, ends_at, recurrence=None, tz="UTC", **changes) -> MaintenanceWindow:
    fields = dict(
        id="w1", components=("ups-1",), starts_at=starts_at, ends_at=ends_at, recurrence=recurrence, timezone=tz,
        created_by="li.na", reason="UPS battery replacement", created_at=CREATED,
    )
    return MaintenanceWindow(**{**fields, **changes})


def test_a_one_off_window_runs_from_start_to_end():
    once = window(utc(2026, 3, 1, 2), utc(2026, 3, 1, 6))
    assert occurrence_at(once, utc(2026, 3, 1, 1, 59)) is None
    assert occurrence_at(once, utc(2026, 3, 1, 2)) == (utc(2026, 3, 1, 2), utc(2026, 3, 1, 6))
    assert occurrence_at(once, utc(2026, 3, 1, 5, 59)) is not None
    assert occurrence_at(once, utc(2026, 3, 1, 6)) is None
    assert [window_state(once, at) for at in (utc(2026, 2, 1), utc(2026, 3, 1, 3), utc(2026, 3, 2))] == [
        WindowState.SCHEDULED, WindowState.RUNNING, WindowState.FINISHED
    ]


def test_scheduled_weeks_ahead_is_a_future_start():
    ahead = window(utc(2026, 4, 20, 1), utc(2026, 4, 20, 3))
    assert next_occurrences(ahead, utc(2026, 3, 1), 5) == [(utc(2026, 4, 20, 1), utc(2026, 4, 20, 3))]
    assert not is_finished(ahead, utc(2026, 3, 1))


def test_daily_in_shanghai_keeps_the_local_hour():
    # 02:00-04:00 Asia/Shanghai (UTC+8, no DST) is 18:00-20:00 UTC the day before.
    nightly = window(
        utc(2026, 3, 1, 18), utc(2026, 3, 1, 20), Recurrence(Frequency.DAILY, until=date(2026, 3, 4)), "Asia/Shanghai"
    )
    assert next_occurrences(nightly, utc(2026, 2, 1), 10) == [
        (utc(2026, 3, day, 18), utc(2026, 3, day, 20)) for day in (1, 2, 3)
    ]
    assert occurrence_at(nightly, utc(2026, 3, 2, 19)) == (utc(2026, 3, 2, 18), utc(2026, 3, 2, 20))
    assert occurrence_at(nightly, utc(2026, 3, 2, 20)) is None
    assert occurrence_at(nightly, utc(2026, 3, 4, 19)) is None  # the 5th local date is after until
    assert is_finished(nightly, utc(2026, 3, 3, 20))


def test_daily_across_spring_forward_in_new_york():
    # 01:30 local each night: EST (UTC-5) until 8 March 2026, EDT (UTC-4) from then on.
    nightly = window(
        utc(2026, 3, 6, 6, 30), utc(2026, 3, 6, 8, 30), Recurrence(Frequency.DAILY), "America/New_York"
    )
    starts = [start for start, _ in next_occurrences(nightly, utc(2026, 3, 6), 4)]
    assert starts == [utc(2026, 3, 6, 6, 30), utc(2026, 3, 7, 6, 30), utc(2026, 3, 8, 6, 30), utc(2026, 3, 9, 5, 30)]
    # Each occurrence lasts two real hours, also on the short night.
    assert all(end - start == timedelta(hours=2) for start, end in next_occurrences(nightly, utc(2026, 3, 6), 4))


def test_a_local_start_inside_the_spring_gap_moves_forward_by_the_gap():
    # 02:30 does not exist in New York on 8 March 2026; that night's occurrence starts at 03:30 EDT.
    nightly = window(
        utc(2026, 3, 7, 7, 30), utc(2026, 3, 7, 8, 30), Recurrence(Frequency.DAILY), "America/New_York"
    )
    assert [start for start, _ in next_occurrences(nightly, utc(2026, 3, 7), 3)] == [
        utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 30), utc(2026, 3, 9, 6, 30)
    ]


def test_daily_across_fall_back_in_new_york_takes_the_first_ambiguous_instant():
    # 01:30 happens twice on 1 November 2026; the occurrence starts at the first (EDT, UTC-4).
    nightly = window(
        utc(2026, 10, 31, 5, 30), utc(2026, 10, 31, 6, 30), Recurrence(Frequency.DAILY), "America/New_York"
    )
    assert [start for start, _ in next_occurrences(nightly, utc(2026, 10, 31), 3)] == [
        utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)
    ]


def test_weekly_on_chosen_weekdays():
    # First day Monday 2 March 2026, 22:00-02:00 UTC, on Mondays and Thursdays until 12 March.
    weekly = window(
        utc(2026, 3, 2, 22), utc(2026, 3, 3, 2), Recurrence(Frequency.WEEKLY, (0, 3), until=date(2026, 3, 12))
    )
    assert [start for start, _ in next_occurrences(weekly, utc(2026, 3, 1), 10)] == [
        utc(2026, 3, 2, 22), utc(2026, 3, 5, 22), utc(2026, 3, 9, 22), utc(2026, 3, 12, 22)
    ]
    # Under way across midnight: Tuesday 01:00 belongs to Monday's occurrence.
    assert occurrence_at(weekly, utc(2026, 3, 10, 1)) == (utc(2026, 3, 9, 22), utc(2026, 3, 10, 2))
    assert occurrence_at(weekly, utc(2026, 3, 11, 1)) is None


def test_weekly_skips_a_first_day_that_is_not_a_chosen_weekday():
    # Starts Sunday 1 March but only runs on Wednesdays.
    weekly = window(utc(2026, 3, 1, 1), utc(2026, 3, 1, 2), Recurrence(Frequency.WEEKLY, (2,)))
    assert occurrence_at(weekly, utc(2026, 3, 1, 1, 30)) is None
    assert next_occurrences(weekly, utc(2026, 2, 1), 2) == [
        (utc(2026, 3, 4, 1), utc(2026, 3, 4, 2)), (utc(2026, 3, 11, 1), utc(2026, 3, 11, 2))
    ]


def test_next_occurrences_lists_the_one_under_way_first():
    nightly = window(utc(2026, 3, 1, 1), utc(2026, 3, 1, 3), Recurrence(Frequency.DAILY))
    assert next_occurrences(nightly, utc(2026, 3, 5, 2), 2) == [
        (utc(2026, 3, 5, 1), utc(2026, 3, 5, 3)), (utc(2026, 3, 6, 1), utc(2026, 3, 6, 3))
    ]
    assert next_occurrences(nightly, utc(2026, 3, 5, 2), 0) == []


def test_cancelling_ends_the_running_occurrence_and_the_series():
    nightly = window(
        utc(2026, 3, 1, 1), utc(2026, 3, 1, 3), Recurrence(Frequency.DAILY), cancelled_at=utc(2026, 3, 5, 2)
    )
    assert occurrence_at(nightly, utc(2026, 3, 5, 1, 30)) == (utc(2026, 3, 5, 1), utc(2026, 3, 5, 2))
    assert occurrence_at(nightly, utc(2026, 3, 5, 2, 30)) is None
    assert occurrence_at(nightly, utc(2026, 3, 6, 2)) is None
    assert window_state(nightly, utc(2026, 3, 5, 2)) is WindowState.CANCELLED
    assert is_finished(nightly, utc(2026, 3, 5, 2))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"components": ()}, "components: name at least one"),
        ({"components": ("ups-1", " ")}, "components: name at least one"),
        ({"ends_at": utc(2026, 3, 1, 1)}, "ends_at: must be after starts_at"),
        ({"created_by": " "}, "created_by: say who"),
        ({"reason": ""}, "reason: say what"),
        ({"tz": "Asia/Shanghia"}, "timezone: unknown IANA time zone 'Asia/Shanghia'"),
        ({"ends_at": utc(2026, 3, 9, 2), "recurrence": Recurrence(Frequency.DAILY)}, "at most 7 days"),
    ],
)
def test_window_validation_names_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        window(**{"starts_at": utc(2026, 3, 1, 1), "ends_at": utc(2026, 3, 1, 2), **changes})


@pytest.mark.parametrize(
    ("frequency", "weekdays", "message"),
    [
        (Frequency.WEEKLY, (), "a weekly window needs at least one weekday"),
        (Frequency.DAILY, (1,), "a daily window repeats every day"),
        (Frequency.WEEKLY, (7,), "must be 0"),
    ],
)
def test_recurrence_validation(frequency, weekdays, message):
    with pytest.raises(ValueError, match=message):
        Recurrence(frequency, weekdays)


def test_parse_weekdays():
    assert parse_weekdays("mon,THU, sunday") == (0, 3, 6)
    with pytest.raises(ValueError, match="weekdays: 'mo' is not one of mon, tue"):
        parse_weekdays("mo,tue")
