"""Pure: report periods — a month or a from/to range — and the local day or week each instant falls in.

A desk reports in its own time zone (a day in Shanghai starts at 16:00 UTC), so periods and
buckets are computed in the zone given (setting `report_timezone`), then turned into aware UTC
bounds for the query: `[start, end)`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")
#: The longest range a summary or CSV may cover, so one request cannot scan years of incidents.
MAX_RANGE = timedelta(days=366)


class PeriodError(ValueError):
    """A month, range or time zone that cannot be reported on; the message says what is wrong."""


class Bucket(StrEnum):
    """How counts over time are grouped."""

    DAY = "day"
    WEEK = "week"  # ISO weeks, Monday first


@dataclass(frozen=True)
class Period:
    """A report's time range `[start, end)` in aware UTC, and the zone its days are counted in."""

    start: datetime
    end: datetime
    zone: ZoneInfo

    def days(self) -> list[date]:
        """Every local day the period touches, in order."""
        first, last = local_day(self.start, self.zone), local_day(self.end - timedelta(microseconds=1), self.zone)
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`.

    Raises:
        PeriodError: if there is no such zone.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PeriodError(f"time zone {name!r} is not an IANA zone name such as Asia/Shanghai") from None


def month_period(month: str, tz: ZoneInfo) -> Period:
    """The local calendar month "YYYY-MM" as a period.

    Raises:
        PeriodError: if `month` is not "YYYY-MM" with a month from 01 to 12.
    """
    found = _MONTH.match(month.strip())
    if found is None or not 1 <= int(found["month"]) <= 12:
        raise PeriodError(f"month {month!r}: expected YYYY-MM, e.g. 2026-11")
    year, number = int(found["year"]), int(found["month"])
    following = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
    return Period(_local_midnight(date(year, number, 1), tz), _local_midnight(following, tz), tz)


def range_period(start: datetime, end: datetime, tz: ZoneInfo) -> Period:
    """The range `[start, end)` of two aware instants.

    Raises:
        PeriodError: if an instant is naive, `end` is not after `start`, or the range is longer than `MAX_RANGE`.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise PeriodError("from and to need a time zone (Z or an offset)")
    if end <= start:
        raise PeriodError(f"to ({end.isoformat()}) must be after from ({start.isoformat()})")
    if end - start > MAX_RANGE:
        raise PeriodError(f"the range is {(end - start).days} days; at most {MAX_RANGE.days} per report")
    return Period(start.astimezone(timezone.utc), end.astimezone(timezone.utc), tz)


def month_of(instant: datetime, tz: ZoneInfo) -> str:
    """The local "YYYY-MM" an instant falls in."""
    return instant.astimezone(tz).strftime("%Y-%m")


def months_between(first: datetime, last: datetime, tz: ZoneInfo) -> list[str]:
    """Every local month from `first`'s to `last`'s, newest first (the report index)."""
    year, month = map(int, month_of(first, tz).split("-"))
    end_year, end_month = map(int, month_of(last, tz).split("-"))
    found = []
    while (year, month) <= (end_year, end_month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found[::-1]


def local_day(instant: datetime, tz: ZoneInfo) -> date:
    """The local calendar day of an instant."""
    return instant.astimezone(tz).date()


def bucket_of(instant: datetime, bucket: Bucket, tz: ZoneInfo) -> date:
    """The local day, or the Monday of the local ISO week, an instant falls in."""
    day = local_day(instant, tz)
    return day if bucket is Bucket.DAY else day - timedelta(days=day.weekday())


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """00:00 local time of `day`, as aware UTC."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)
