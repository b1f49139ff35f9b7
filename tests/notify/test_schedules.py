"""On-call schedules on fixed instants: rotations, layers, overrides, time zones, DST, timelines and handoffs."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notify.directory import DailyWindow, Layer, Override, RotationKind, Schedule
from notify.schedules import MAX_RANGE, Handoff, Shift, in_window, next_handoff, on_call, shifts

UTC = timezone.utc
SHANGHAI = "Asia/Shanghai"
NEW_YORK = "America/New_York"
LONDON = "Europe/London"
OFFICE_HOURS = DailyWindow(time(9), time(18), days=(0, 1, 2, 3, 4))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(tz: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz), fold=fold)


def rotation(
    *people: str,
    start: datetime = datetime(2024, 1, 1, 9, 0),  # a Monday
    kind: RotationKind = RotationKind.DAILY,
    shift: timedelta = timedelta(days=1),
    active: DailyWindow | None = None,
    id: str = "primary",
) -> Layer:
    return Layer(id=id, kind=kind, start=start, participants=people, shift=shift, active=active)


def schedule(*layers: Layer, tz: str = SHANGHAI, overrides: tuple[Override, ...] = ()) -> Schedule:
    return Schedule(id="dc1-oncall", name="DC1 on call", timezone=tz, layers=layers, overrides=overrides)


def handoffs(timeline: tuple[Shift, ...]) -> list[datetime]:
    return [segment.start for segment in timeline[1:]]


# --- rotations ---------------------------------------------------------------------------------

DAILY = schedule(rotation("ann", "bob", "cy"))
WEEKLY = schedule(rotation("ann", "bob", kind=RotationKind.WEEKLY))
TWELVE_HOURS = schedule(rotation("ann", "bob", "cy", kind=RotationKind.CUSTOM, shift=timedelta(hours=12)))


@pytest.mark.parametrize(
    ("sched", "at", "expected"),
    [
        # Shanghai is UTC+8 all year, so the 09:00 handoff is 01:00Z.
        (DAILY, utc(2024, 1, 1, 0, 59), ()),
        (DAILY, utc(2024, 1, 1, 1, 0), ("ann",)),
        (DAILY, utc(2024, 1, 2, 0, 59), ("ann",)),
        (DAILY, utc(2024, 1, 2, 1, 0), ("bob",)),
        (DAILY, utc(2024, 1, 3, 12, 0), ("cy",)),
        (DAILY, utc(2024, 1, 4, 1, 0), ("ann",)),
        (DAILY, utc(2025, 1, 1, 1, 0), ("ann",)),  # 366 shifts later, 366 % 3 == 0
        (DAILY, local(SHANGHAI, 2024, 1, 2, 9, 0), ("bob",)),
        (WEEKLY, utc(2024, 1, 8, 0, 59), ("ann",)),
        (WEEKLY, utc(2024, 1, 8, 1, 0), ("bob",)),
        (WEEKLY, utc(2024, 1, 15, 1, 0), ("ann",)),
        (TWELVE_HOURS, local(SHANGHAI, 2024, 1, 1, 20, 59), ("ann",)),
        (TWELVE_HOURS, local(SHANGHAI, 2024, 1, 1, 21, 0), ("bob",)),
        (TWELVE_HOURS, local(SHANGHAI, 2024, 1, 2, 9, 0), ("cy",)),
        (TWELVE_HOURS, local(SHANGHAI, 2024, 1, 2, 21, 0), ("ann",)),
    ],
    ids=[
        "daily-before-start", "daily-first-handoff", "daily-end-of-first-shift", "daily-second", "daily-third",
        "daily-wraps", "daily-a-year-on", "daily-local-instant", "weekly-first", "weekly-second", "weekly-wraps",
        "12h-morning", "12h-evening", "12h-next-morning", "12h-wraps",
    ],
)
def test_rotations(sched, at, expected):
    assert on_call(sched, at) == expected


def test_handoff_at_nine_in_shanghai_is_one_utc():
    handoff = next_handoff(DAILY, utc(2024, 1, 5, 12, 0))

    assert handoff == Handoff(at=utc(2024, 1, 6, 1, 0), outgoing=("bob",), incoming=("cy",))


def test_a_layer_without_participants_has_nobody_and_lets_the_layer_below_show():
    assert on_call(schedule(rotation()), utc(2024, 2, 1)) == ()
    assert on_call(schedule(rotation("ann"), rotation(id="empty")), utc(2024, 2, 1)) == ("ann",)


def test_a_layer_starting_later_has_nobody_until_then():
    later = rotation("lee", start=datetime(2024, 3, 1, 9, 0), id="later")
    sched = schedule(rotation("ann"), later)

    assert on_call(sched, local(SHANGHAI, 2024, 3, 1, 8, 59)) == ("ann",)
    assert on_call(sched, local(SHANGHAI, 2024, 3, 1, 9, 0)) == ("lee",)


# --- layers ------------------------------------------------------------------------------------

OFFICE_OVER_24X7 = schedule(
    rotation("night1", "night2", id="24x7"),
    rotation("desk", start=datetime(2024, 1, 1, 9, 0), active=OFFICE_HOURS, id="office"),
)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (local(SHANGHAI, 2024, 1, 1, 8, 59), ()),  # both layers start at 09:00
        (local(SHANGHAI, 2024, 1, 1, 9, 0), ("desk",)),
        (local(SHANGHAI, 2024, 1, 1, 17, 59), ("desk",)),
        (local(SHANGHAI, 2024, 1, 1, 18, 0), ("night1",)),
        (local(SHANGHAI, 2024, 1, 2, 8, 0), ("night1",)),
        (local(SHANGHAI, 2024, 1, 2, 12, 0), ("desk",)),
        (local(SHANGHAI, 2024, 1, 6, 12, 0), ("night2",)),  # Saturday: office layer inactive
    ],
    ids=["before-both-start", "office-opens", "office-closing", "office-closed", "early-tuesday", "tuesday-noon",
         "saturday"],
)
def test_office_hours_layer_on_top_of_a_24x7_layer(at, expected):
    assert on_call(OFFICE_OVER_24X7, at) == expected


# --- overrides ---------------------------------------------------------------------------------

def _with(*overrides: Override) -> Schedule:
    return schedule(rotation("ann", "bob", "cy"), overrides=overrides)


# On 2024-01-01 ann is on call from 01:00Z to 2024-01-02 01:00Z.
@pytest.mark.parametrize(
    ("overrides", "at", "expected"),
    [
        ((Override(utc(2024, 1, 1, 5), utc(2024, 1, 1, 7), "xi", replaces="ann"),), utc(2024, 1, 1, 6), ("xi",)),
        ((Override(utc(2024, 1, 1, 5), utc(2024, 1, 1, 7), "xi", replaces="bob"),), utc(2024, 1, 1, 6), ("ann",)),
        ((Override(utc(2024, 1, 1, 5), utc(2024, 1, 1, 7), "xi"),), utc(2024, 1, 1, 6), ("xi",)),
        ((Override(utc(2024, 1, 1, 5), utc(2024, 1, 1, 7), "xi"),), utc(2024, 1, 1, 7), ("ann",)),
        ((Override(utc(2024, 1, 1, 5), utc(2024, 1, 1, 7), "xi"),), utc(2024, 1, 1, 4, 59), ("ann",)),
        ((Override(utc(2023, 12, 31), utc(2024, 1, 1, 1), "xi"),), utc(2023, 12, 31, 12), ("xi",)),
        ((Override(utc(2023, 12, 31), utc(2024, 1, 1, 1), "xi", replaces="ann"),), utc(2023, 12, 31, 12), ()),
        (
            (
                Override(utc(2024, 1, 1, 5), utc(2024, 1, 1, 9), "xi"),
                Override(utc(2024, 1, 1, 6), utc(2024, 1, 1, 7), "yu", replaces="xi"),
            ),
            utc(2024, 1, 1, 6, 30),
            ("yu",),
        ),
        (
            (Override(local(SHANGHAI, 2024, 1, 1, 13), local(SHANGHAI, 2024, 1, 1, 15), "xi"),),
            utc(2024, 1, 1, 6),
            ("xi",),
        ),
    ],
    ids=["replace-one", "replace-someone-off-call", "replace-all", "override-ended", "override-not-begun",
         "replace-all-before-start", "replace-one-before-start", "stacked-in-order", "local-override-times"],
)
def test_overrides(overrides, at, expected):
    assert on_call(_with(*overrides), at) == expected


def test_an_override_appears_in_the_timeline_and_ends_back_on_the_rotation():
    sched = _with(Override(utc(2024, 1, 1, 5), utc(2024, 1, 1, 7), "xi", replaces="ann"))

    assert shifts(sched, utc(2024, 1, 1, 2), utc(2024, 1, 1, 12)) == (
        Shift(utc(2024, 1, 1, 2), utc(2024, 1, 1, 5), ("ann",)),
        Shift(utc(2024, 1, 1, 5), utc(2024, 1, 1, 7), ("xi",)),
        Shift(utc(2024, 1, 1, 7), utc(2024, 1, 1, 12), ("ann",)),
    )


# --- time zones and DST ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2024, 1, 15, 8, 59), ("bob",)),  # GMT: 09:00 local is 09:00Z
        (utc(2024, 1, 15, 9, 0), ("ann",)),
        (utc(2024, 7, 15, 7, 59), ("bob",)),  # BST: 09:00 local is 08:00Z
        (utc(2024, 7, 15, 8, 0), ("ann",)),
    ],
    ids=["winter-before", "winter-handoff", "summer-before", "summer-handoff"],
)
def test_a_london_schedule_queried_in_utc(at, expected):
    assert on_call(schedule(rotation("ann", "bob"), tz=LONDON), at) == expected


def test_a_nine_o_clock_handoff_in_new_york_across_spring_forward():
    sched = schedule(rotation("ann", "bob"), tz=NEW_YORK)

    timeline = shifts(sched, utc(2024, 3, 8, 12), utc(2024, 3, 12, 12))

    assert handoffs(timeline) == [utc(2024, 3, 8, 14), utc(2024, 3, 9, 14), utc(2024, 3, 10, 13), utc(2024, 3, 11, 13)]


@pytest.mark.parametrize(
    ("tz", "transition_day", "short_or_long"),
    [
        (NEW_YORK, datetime(2024, 3, 10), timedelta(hours=23)),
        (NEW_YORK, datetime(2024, 11, 3), timedelta(hours=25)),
        (LONDON, datetime(2024, 3, 31), timedelta(hours=23)),
        (LONDON, datetime(2024, 10, 27), timedelta(hours=25)),
    ],
    ids=["new-york-spring", "new-york-fall", "london-spring", "london-fall"],
)
def test_handoffs_stay_at_nine_local_across_dst(tz, transition_day, short_or_long):
    sched = schedule(rotation("ann", "bob", start=datetime(2024, 1, 1, 9)), tz=tz)
    zone = ZoneInfo(tz)
    start = (transition_day - timedelta(days=3)).replace(tzinfo=zone)

    times = handoffs(shifts(sched, start, start + timedelta(days=6)))

    assert [at.astimezone(zone).time() for at in times] == [time(9)] * 6
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert sorted(gaps) == sorted([timedelta(days=1)] * 4 + [short_or_long])


def test_a_two_thirty_handoff_on_spring_forward_day_moves_forward_by_the_gap():
    # 02:30 does not exist in New York on 2024-03-10 (02:00 EST jumps to 03:00 EDT); it becomes 03:30 EDT.
    sched = schedule(rotation("ann", "bob", "cy", start=datetime(2024, 3, 8, 2, 30)), tz=NEW_YORK)

    assert on_call(sched, local(NEW_YORK, 2024, 3, 10, 3, 0)) == ("bob",)
    assert on_call(sched, local(NEW_YORK, 2024, 3, 10, 3, 29)) == ("bob",)
    assert on_call(sched, local(NEW_YORK, 2024, 3, 10, 3, 30)) == ("cy",)
    assert handoffs(shifts(sched, utc(2024, 3, 8, 12), utc(2024, 3, 12))) == [
        utc(2024, 3, 9, 7, 30),  # 02:30 EST
        utc(2024, 3, 10, 7, 30),  # "02:30" = 03:30 EDT
        utc(2024, 3, 11, 6, 30),  # 02:30 EDT
    ]


def test_a_one_thirty_handoff_on_fall_back_day_happens_once_at_the_first_one_thirty():
    sched = schedule(rotation("ann", "bob", "cy", start=datetime(2024, 11, 1, 1, 30)), tz=NEW_YORK)

    assert on_call(sched, local(NEW_YORK, 2024, 11, 3, 1, 29)) == ("bob",)
    assert on_call(sched, local(NEW_YORK, 2024, 11, 3, 1, 30)) == ("cy",)  # 01:30 EDT
    assert on_call(sched, local(NEW_YORK, 2024, 11, 3, 1, 15, fold=1)) == ("cy",)  # 01:15 EST: no flip back
    assert handoffs(shifts(sched, utc(2024, 11, 2, 12), utc(2024, 11, 4, 12))) == [
        utc(2024, 11, 3, 5, 30),  # 01:30 EDT
        utc(2024, 11, 4, 6, 30),  # 01:30 EST
    ]


def test_a_twelve_hour_rotation_with_a_handoff_in_the_gap_skips_nobody():
    # 14:30 + 12 h = 02:30 on spring-forward day, which moves to 03:30 EDT, then back to 14:30.
    sched = schedule(
        rotation("ann", "bob", kind=RotationKind.CUSTOM, shift=timedelta(hours=12), start=datetime(2024, 3, 9, 14, 30)),
        tz=NEW_YORK,
    )

    assert [(s.start.astimezone(ZoneInfo(NEW_YORK)).strftime("%d %H:%M"), s.people) for s in
            shifts(sched, utc(2024, 3, 9, 20), utc(2024, 3, 11, 12))] == [
        ("09 15:00", ("ann",)), ("10 03:30", ("bob",)), ("10 14:30", ("ann",)), ("11 02:30", ("bob",)),
    ]


def test_an_hourly_shift_swallowed_by_the_spring_gap_is_empty():
    # Wall 02:00 and 03:00 on 2024-03-10 are both 03:00 EDT; the later-numbered shift wins, so cy's shift lasts 0 s.
    sched = schedule(
        rotation("ann", "bob", "cy", kind=RotationKind.CUSTOM, shift=timedelta(hours=1), start=datetime(2024, 3, 10)),
        tz=NEW_YORK,
    )

    assert on_call(sched, local(NEW_YORK, 2024, 3, 10, 1, 59)) == ("bob",)
    assert on_call(sched, local(NEW_YORK, 2024, 3, 10, 3, 0)) == ("ann",)
    assert [s.people for s in shifts(sched, utc(2024, 3, 10, 5), utc(2024, 3, 10, 9))] == [
        ("ann",), ("bob",), ("ann",), ("bob",),
    ]


# --- timelines ---------------------------------------------------------------------------------

def test_shifts_merge_adjacent_equal_segments_and_cover_the_range():
    sched = schedule(rotation("ann", "ann", "bob"))

    assert shifts(sched, utc(2023, 12, 31), utc(2024, 1, 5)) == (
        Shift(utc(2023, 12, 31), utc(2024, 1, 1, 1), ()),
        Shift(utc(2024, 1, 1, 1), utc(2024, 1, 3, 1), ("ann",)),
        Shift(utc(2024, 1, 3, 1), utc(2024, 1, 4, 1), ("bob",)),
        Shift(utc(2024, 1, 4, 1), utc(2024, 1, 5), ("ann",)),
    )


def test_shifts_of_a_schedule_that_never_changes_is_one_segment():
    assert shifts(schedule(rotation("ann")), utc(2024, 2, 1), utc(2024, 2, 1) + MAX_RANGE) == (
        Shift(utc(2024, 2, 1), utc(2024, 2, 1) + MAX_RANGE, ("ann",)),
    )


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (utc(2024, 1, 1), utc(2024, 1, 1) + MAX_RANGE + timedelta(seconds=1), "exceeds the 366-day limit"),
        (utc(2024, 1, 2), utc(2024, 1, 2), "is not after start"),
        (utc(2024, 1, 2), utc(2024, 1, 1), "is not after start"),
        (datetime(2024, 1, 1), utc(2024, 1, 2), "start must be a timezone-aware instant"),
    ],
    ids=["too-long", "empty", "backwards", "naive"],
)
def test_shifts_bounds(start, end, message):
    with pytest.raises(ValueError, match=message):
        shifts(DAILY, start, end)


# --- next handoff ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("sched", "after", "expected"),
    [
        (DAILY, utc(2024, 1, 2, 1), Handoff(utc(2024, 1, 3, 1), ("bob",), ("cy",))),  # exactly at a handoff: the next
        (DAILY, utc(2023, 6, 1), Handoff(utc(2024, 1, 1, 1), (), ("ann",))),  # seven months ahead
        (WEEKLY, utc(2024, 1, 9), Handoff(utc(2024, 1, 15, 1), ("bob",), ("ann",))),
        (schedule(rotation("ann")), utc(2024, 1, 9), None),
        (schedule(), utc(2024, 1, 9), None),
        (
            schedule(rotation("ann"), overrides=(Override(utc(2024, 5, 1), utc(2024, 5, 2), "xi"),)),
            utc(2024, 1, 9),
            Handoff(utc(2024, 5, 1), ("ann",), ("xi",)),
        ),
        (schedule(rotation("ann", start=datetime(2025, 3, 1))), utc(2024, 1, 1), None),  # beyond 366 days
    ],
    ids=["at-a-handoff", "first-shift", "weekly", "single-person", "no-layers", "override", "too-far"],
)
def test_next_handoff(sched, after, expected):
    assert next_handoff(sched, after) == expected


# --- daily windows -----------------------------------------------------------------------------

NIGHTS_FROM_FRIDAY = DailyWindow(time(23), time(7), days=(4,))
WEEKEND = DailyWindow(time(0), time(0), days=(5, 6))
EVERY_NIGHT = DailyWindow(time(22), time(6))


@pytest.mark.parametrize(
    ("window", "at", "expected"),
    [
        (OFFICE_HOURS, local(SHANGHAI, 2024, 1, 1, 10), True),
        (OFFICE_HOURS, local(SHANGHAI, 2024, 1, 1, 8, 59), False),
        (OFFICE_HOURS, local(SHANGHAI, 2024, 1, 1, 18), False),
        (OFFICE_HOURS, local(SHANGHAI, 2024, 1, 6, 10), False),
        (OFFICE_HOURS, utc(2024, 1, 1, 2), True),  # 10:00 in Shanghai
        (NIGHTS_FROM_FRIDAY, local(SHANGHAI, 2024, 1, 5, 23, 30), True),
        (NIGHTS_FROM_FRIDAY, local(SHANGHAI, 2024, 1, 6, 3), True),  # Saturday morning: started Friday
        (NIGHTS_FROM_FRIDAY, local(SHANGHAI, 2024, 1, 6, 7), False),
        (NIGHTS_FROM_FRIDAY, local(SHANGHAI, 2024, 1, 5, 3), False),  # Friday morning: started Thursday
        (NIGHTS_FROM_FRIDAY, local(SHANGHAI, 2024, 1, 6, 23, 30), False),
        (WEEKEND, local(SHANGHAI, 2024, 1, 6, 0), True),
        (WEEKEND, local(SHANGHAI, 2024, 1, 7, 23, 59), True),
        (WEEKEND, local(SHANGHAI, 2024, 1, 8, 0), False),
        (EVERY_NIGHT, local(SHANGHAI, 2024, 1, 3, 5, 59), True),
        (EVERY_NIGHT, local(SHANGHAI, 2024, 1, 3, 6), False),
    ],
    ids=["office", "office-before", "office-closed", "office-saturday", "office-utc-instant", "friday-night",
         "saturday-early", "saturday-seven", "friday-early", "saturday-night", "weekend-starts", "weekend-last-minute",
         "weekend-over", "night-before-six", "night-at-six"],
)
def test_in_window(window, at, expected):
    assert in_window(window, at, SHANGHAI) is expected


def test_in_window_reads_wall_time_in_the_given_zone():
    at = utc(2024, 7, 1, 8, 30)  # 09:30 in London (BST), 16:30 in Shanghai

    assert in_window(DailyWindow(time(9), time(10)), at, LONDON)
    assert not in_window(DailyWindow(time(9), time(10)), at, SHANGHAI)


# --- bad input ---------------------------------------------------------------------------------

def _schedule_with(**layer: object) -> Schedule:
    return schedule(rotation("ann", **layer))


@pytest.mark.parametrize(
    ("sched", "at", "message"),
    [
        (schedule(rotation("ann"), tz="Mars/Olympus"), utc(2024, 1, 1), "unknown time zone 'Mars/Olympus'"),
        (DAILY, datetime(2024, 1, 1), "at must be a timezone-aware instant"),
        (
            _schedule_with(kind=RotationKind.CUSTOM, shift=timedelta(minutes=30)),
            utc(2024, 1, 1),
            "layer 'primary': a custom rotation's shift must be at least 1:00:00",
        ),
        (
            _schedule_with(kind="hourly"),
            utc(2024, 1, 1),
            "schedule 'dc1-oncall', layer 'primary': unknown rotation kind 'hourly'",
        ),
        (
            _schedule_with(start=datetime(2024, 1, 1, tzinfo=UTC)),
            utc(2024, 1, 1),
            "layer 'primary': start must be naive local wall time",
        ),
        (_with(Override(utc(2024, 1, 2), utc(2024, 1, 1), "xi")), utc(2024, 1, 1), "override #1 .*not after"),
        (_with(Override(datetime(2024, 1, 1), utc(2024, 1, 2), "xi")), utc(2024, 1, 1), "override #1 .*naive"),
        (
            _schedule_with(active=DailyWindow(time(9), time(18), days=(7,))),
            utc(2024, 1, 1),
            "weekdays 0 \\(Monday\\) to 6 \\(Sunday\\), got \\[7\\]",
        ),
    ],
    ids=["unknown-zone", "naive-at", "short-custom-shift", "unknown-kind", "aware-layer-start", "override-backwards",
         "naive-override", "bad-weekday"],
)
def test_bad_input_is_refused_with_a_clear_error(sched, at, message):
    with pytest.raises(ValueError, match=message):
        on_call(sched, at)


def test_in_window_refuses_an_unknown_zone():
    with pytest.raises(ValueError, match="unknown time zone 'Nowhere'"):
        in_window(OFFICE_HOURS, utc(2024, 1, 1), "Nowhere")


# --- properties --------------------------------------------------------------------------------

ZONES = (NEW_YORK, LONDON, SHANGHAI, "Australia/Lord_Howe")  # Lord Howe shifts by 30 minutes
RANGE_START = datetime(2024, 1, 1, tzinfo=UTC)


@st.composite
def schedules(draw) -> Schedule:
    """A base rotation (any kind, any handoff minute, including ones in DST gaps and folds), maybe an
    office-hours layer on top, maybe an override."""
    kind = draw(st.sampled_from(RotationKind))
    people = tuple(draw(st.lists(st.sampled_from(["ann", "bob", "cy"]), min_size=0, max_size=3)))
    base = rotation(
        *people,
        kind=kind,
        start=datetime(2024, 1, 1) + timedelta(minutes=draw(st.integers(0, 60 * 24 * 60))),
        shift=timedelta(minutes=draw(st.integers(60, 60 * 36))),
    )
    layers = [base]
    if draw(st.booleans()):
        window = DailyWindow(time(draw(st.integers(0, 23)), 30), time(draw(st.integers(0, 23))), days=(0, 2, 4))
        layers.append(rotation("desk", "ann", active=window, id="office"))
    overrides: tuple[Override, ...] = ()
    if draw(st.booleans()):
        begins = RANGE_START + timedelta(hours=draw(st.integers(0, 24 * 360)))
        length = timedelta(hours=draw(st.integers(1, 72)))
        overrides = (Override(begins, begins + length, "xi", replaces=draw(st.sampled_from([None, "ann"]))),)
    return schedule(*layers, tz=draw(st.sampled_from(ZONES)), overrides=overrides)


@settings(max_examples=60, deadline=None)
@given(
    sched=schedules(),
    first_day=st.integers(0, 340),
    offsets=st.lists(st.integers(0, 20 * 24 * 3600 - 1), min_size=1, max_size=20),
)
def test_on_call_matches_the_timeline_segment_containing_the_instant(sched, first_day, offsets):
    start = RANGE_START + timedelta(days=first_day)
    end = start + timedelta(days=20)

    timeline = shifts(sched, start, end)

    assert timeline[0].start == start and timeline[-1].end == end
    assert all(a.end == b.start and a.people != b.people for a, b in zip(timeline, timeline[1:]))
    for offset in offsets:
        at = start + timedelta(seconds=offset)
        (segment,) = [s for s in timeline if s.start <= at < s.end]
        assert on_call(sched, at) == segment.people
    if len(timeline) > 1:
        assert next_handoff(sched, start) == Handoff(timeline[1].start, timeline[0].people, timeline[1].people)


@settings(max_examples=60, deadline=None)
@given(sched=schedules(), offset=st.integers(0, 360 * 24 * 3600))
def test_the_base_rotation_follows_its_definition(sched, offset):
    """Spelled out: the person on call is participant i % n of the highest shift i whose wall-time
    start (fold=0, gaps moving forward) has passed."""
    layer = sched.layers[0]
    plain = Schedule(id="plain", name="plain", timezone=sched.timezone, layers=(layer,))
    zone = ZoneInfo(sched.timezone)
    step = {RotationKind.DAILY: timedelta(days=1), RotationKind.WEEKLY: timedelta(days=7)}.get(layer.kind, layer.shift)
    at = RANGE_START + timedelta(seconds=offset)

    started = [
        number for number in range(0, (366 * 24 * 3600) // int(step.total_seconds()) + 2)
        if (layer.start + number * step).replace(tzinfo=zone).astimezone(UTC) <= at
    ]
    expected = (layer.participants[max(started) % len(layer.participants)],) if started and layer.participants else ()
    assert on_call(plain, at) == expected
