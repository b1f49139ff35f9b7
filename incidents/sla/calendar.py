"""Pure: business calendars — when the SLA clock runs — and business-time arithmetic on them.

A calendar is either `24x7` (the clock always runs) or working hours: the weekdays it works,
one or more daily windows of local wall-clock time in a named IANA zone, holiday dates that do
not work, and make-up working days (调休: a Saturday that works in exchange for a holiday) that
work with the ordinary windows. Windows are converted to UTC per local date with zoneinfo, so a
working day that spans a DST change counts the hours that really pass.

Configured as one line (the separators avoid `,` because `ALERTDESK_SLA_CALENDARS` is a
comma-separated list):

    office=Mon-Fri 09:00-12:00 13:00-17:00 Asia/Shanghai; holidays=2026-10-01..2026-10-08; workdays=2026-09-27

Days are `Mon`…`Sun`, ranges like `Mon-Fri` (or `Sun-Thu`, wrapping), joined with `+` (`Mon-Fri+Sun`);
dates are `YYYY-MM-DD` or inclusive ranges `YYYY-MM-DD..YYYY-MM-DD`, separated by spaces.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The name of the calendar on which the clock always runs; always defined, never redefinable.
ALWAYS = "24x7"
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_WINDOW = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})")
_ENTRY_SHAPE = "'NAME=Mon-Fri 09:00-17:00 Asia/Shanghai; holidays=2026-10-01..2026-10-08; workdays=2026-09-27'"
_MINUTES_PER_DAY = 24 * 60
#: Longest date range one `holidays`/`workdays` item may span: a typo like 2026..2062 must not pass.
_MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class Calendar:
    """When the SLA clock runs. `windows` are (start, end) minutes after local midnight, end up to 24:00."""

    name: str
    zone: ZoneInfo | None = None
    weekdays: frozenset[int] = frozenset()
    windows: tuple[tuple[int, int], ...] = ()
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if self.always:
            return
        if self.zone is None or not self.weekdays or not self.windows:
            raise ValueError(f"calendar {self.name!r}: working hours need a zone, weekdays and at least one window")
        both = self.holidays & self.workdays
        if both:
            raise ValueError(f"calendar {self.name!r}: {min(both)} is both a holiday and a make-up working day")

    @property
    def always(self) -> bool:
        """True for a 24x7 calendar (no working hours configured)."""
        return self.name == ALWAYS

    def works_on(self, day: date) -> bool:
        """Whether the local date `day` is a working day: a make-up day, or a working weekday that is no holiday."""
        if self.always or day in self.workdays:
            return True
        return day.weekday() in self.weekdays and day not in self.holidays


TWENTY_FOUR_SEVEN = Calendar(name=ALWAYS)


def add_business_time(calendar: Calendar, start: datetime, duration: timedelta) -> datetime:
    """The instant at which `duration` of the calendar's working time has passed since `start`.

    A duration that ends exactly at a window's end is due then (Friday 17:00), not at the next opening.

    Raises:
        ValueError: if `start` is naive or `duration` is negative.
    """
    _check_aware(start, "start")
    if duration < timedelta(0):
        raise ValueError(f"duration {duration} is negative")
    if calendar.always or duration == timedelta(0):
        return start + duration
    remaining = duration
    intervals = _intervals_from(calendar, start)
    while True:  # ends: a working-hours calendar works on some weekday, and holidays are finite
        opens, closes = next(intervals)
        begin = max(opens, start)
        if closes - begin >= remaining:
            return begin + remaining
        remaining -= closes - begin


def business_time_between(calendar: Calendar, a: datetime, b: datetime) -> timedelta:
    """The calendar's working time from `a` to `b`; negative when `b` is before `a`.

    Raises:
        ValueError: if either instant is naive.
    """
    _check_aware(a, "a")
    _check_aware(b, "b")
    if b < a:
        return -business_time_between(calendar, b, a)
    if calendar.always:
        return b - a
    total = timedelta(0)
    for opens, closes in _intervals_from(calendar, a):
        if opens >= b:
            break
        total += min(closes, b) - max(opens, a)
    return total


def _intervals_from(calendar: Calendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The calendar's working intervals in UTC, in order, from the local day of `start` on (endless)."""
    zone = calendar.zone
    assert zone is not None  # only working-hours calendars get here
    day = start.astimezone(zone).date()
    while True:
        if calendar.works_on(day):
            for first, last in calendar.windows:
                opens, closes = _instant(day, first, zone), _instant(day, last, zone)
                # closes <= opens only for a window that a DST gap swallows whole (02:30-03:00 on the change day)
                if closes > start and closes > opens:
                    yield opens, closes
        day += timedelta(days=1)


def _instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of local wall-clock `minutes` after midnight on `day` (24:00 is the next midnight).

    A wall time skipped by a DST change is read with the offset before the change (zoneinfo's fold=0).
    """
    days, minute = divmod(minutes, _MINUTES_PER_DAY)
    local = datetime.combine(day + timedelta(days=days), time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(timezone.utc)


def _check_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None:
        raise ValueError(f"{what} {value} is naive; pass an aware UTC datetime")


def parse_calendar(entry: str) -> Calendar:
    """Read one `sla_calendars` entry (see the module docstring).

    Raises:
        ValueError: naming the entry and what is wrong with it.
    """
    name, sep, rest = entry.partition("=")
    name = name.strip()
    if not sep or not _NAME.fullmatch(name):
        raise ValueError(f"sla_calendars entry {entry!r} is not like {_ENTRY_SHAPE}")
    if name == ALWAYS:
        raise ValueError(f"sla_calendars entry {entry!r}: {ALWAYS!r} is built in and cannot be redefined")
    hours, *options = [part.strip() for part in rest.split(";")]
    try:
        weekdays, windows, zone = _parse_hours(hours)
        dates = _parse_options(options)
        return Calendar(
            name=name,
            zone=zone,
            weekdays=weekdays,
            windows=windows,
            holidays=dates.get("holidays", frozenset()),
            workdays=dates.get("workdays", frozenset()),
        )
    except ValueError as exc:
        raise ValueError(f"sla_calendars entry {entry!r}: {exc}") from None


def _parse_hours(text: str) -> tuple[frozenset[int], tuple[tuple[int, int], ...], ZoneInfo]:
    """`DAYS WINDOW [WINDOW…] ZONE`."""
    words = text.split()
    if len(words) < 3:
        raise ValueError(f"working hours {text!r} are not like 'Mon-Fri 09:00-17:00 Asia/Shanghai'")
    windows = tuple(sorted(_parse_window(word) for word in words[1:-1]))
    for (_, end), (start, _) in zip(windows, windows[1:]):
        if start < end:
            raise ValueError(f"windows in {text!r} overlap")
    return _parse_days(words[0]), windows, _parse_zone(words[-1])


def _parse_days(text: str) -> frozenset[int]:
    """`Mon-Fri`, `Sat`, `Sun-Thu` (wrapping), joined with `+`."""
    days: set[int] = set()
    for part in text.split("+"):
        first, _, last = part.partition("-")
        start, end = _day(first), _day(last or first)
        days.update((start + offset) % 7 for offset in range((end - start) % 7 + 1))
    return frozenset(days)


def _day(text: str) -> int:
    try:
        return DAY_NAMES.index(text.capitalize())
    except ValueError:
        raise ValueError(f"{text!r} is not a day (one of {', '.join(DAY_NAMES)})") from None


def _parse_window(text: str) -> tuple[int, int]:
    """`HH:MM-HH:MM` within one day; the end may be 24:00."""
    match = _WINDOW.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a window like 09:00-17:00")
    start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start_h > 23 or end_h > 24 or start_m > 59 or end_m > 59 or end > _MINUTES_PER_DAY:
        raise ValueError(f"{text!r} is not a time of day")
    if end <= start:
        raise ValueError(f"window {text!r} ends before it starts (a window cannot span midnight; split it in two)")
    return start, end


def _parse_zone(text: str) -> ZoneInfo:
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{text!r} is not an IANA time zone like Asia/Shanghai or Europe/Berlin") from None


def _parse_options(options: list[str]) -> dict[str, frozenset[date]]:
    """`holidays=DATES` and `workdays=DATES`, each at most once."""
    parsed: dict[str, frozenset[date]] = {}
    for option in options:
        key, sep, value = option.partition("=")
        key = key.strip()
        if not sep or key not in ("holidays", "workdays"):
            raise ValueError(f"{option!r} is not holidays=DATES or workdays=DATES")
        if key in parsed:
            raise ValueError(f"{key} is given twice")
        parsed[key] = frozenset(day for item in value.split() for day in _parse_dates(item))
    return parsed


def _parse_dates(text: str) -> list[date]:
    """`YYYY-MM-DD` or the inclusive range `YYYY-MM-DD..YYYY-MM-DD`."""
    first, sep, last = text.partition("..")
    try:
        start = date.fromisoformat(first)
        end = date.fromisoformat(last) if sep else start
    except ValueError:
        raise ValueError(f"{text!r} is not a date like 2026-10-01 or a range like 2026-10-01..2026-10-08") from None
    span = (end - start).days
    if span < 0 or span >= _MAX_RANGE_DAYS:
        raise ValueError(f"date range {text!r} must run forwards and span less than a year")
    return [start + timedelta(days=offset) for offset in range(span + 1)]
