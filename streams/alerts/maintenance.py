"""Pure: maintenance windows on CMDB components, one-off or recurring in a local time zone.

A window is written like a calendar event: `starts_at`..`ends_at` is the first (or only)
occurrence, and a `Recurrence` repeats it daily or on some weekdays until a local date. Repeats
keep the *local* time of day of the first occurrence in the window's IANA zone ("every night at
02:00 Asia/Shanghai", "Tuesdays 01:00 America/New_York" stays 01:00 across DST) and last as long
as it did in real time. A local start that does not exist on a spring-forward day moves forward
by the gap (02:30 becomes 03:30); an ambiguous one on a fall-back day takes the first (summer)
instant. Scheduling weeks ahead is simply a future `starts_at`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_OCCURRENCE = timedelta(days=7)
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_NUMBERS = {name: number for names in (WEEKDAY_NAMES, _FULL_WEEKDAY_NAMES) for number, name in enumerate(names)}


class Frequency(StrEnum):
    """How often a recurring window repeats."""

    DAILY = "daily"
    WEEKLY = "weekly"


@dataclass(frozen=True)
class Recurrence:
    """Repeat a window every day, or on `weekdays` (0 = Monday … 6 = Sunday), up to local date `until`.

    Raises:
        ValueError: when a weekly recurrence names no weekday, a daily one names any, or a
            weekday is outside 0..6.
    """

    frequency: Frequency
    weekdays: tuple[int, ...] = ()
    until: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "frequency", Frequency(self.frequency))
        object.__setattr__(self, "weekdays", tuple(sorted(set(self.weekdays))))
        if any(day not in range(7) for day in self.weekdays):
            raise ValueError(f"recurrence.weekdays: {self.weekdays} must be 0 (Monday) … 6 (Sunday)")
        if self.frequency is Frequency.WEEKLY and not self.weekdays:
            raise ValueError("recurrence.weekdays: a weekly window needs at least one weekday")
        if self.frequency is Frequency.DAILY and self.weekdays:
            raise ValueError("recurrence.weekdays: a daily window repeats every day; use weekly to pick days")

    def includes(self, day: date) -> bool:
        """Whether an occurrence starts on this local date (before `until` is checked by the caller)."""
        return self.frequency is Frequency.DAILY or day.weekday() in self.weekdays


def parse_weekdays(text: str) -> tuple[int, ...]:
    """Read `mon,thu` (English names, three letters or full, any case) into weekday numbers.

    Raises:
        ValueError: naming the word that is not a weekday.
    """
    days = []
    for word in (part.strip().lower() for part in text.split(",")):
        if word not in _WEEKDAY_NUMBERS:
            raise ValueError(f"weekdays: {word!r} is not one of {', '.join(WEEKDAY_NAMES)}")
        days.append(_WEEKDAY_NUMBERS[word])
    return tuple(days)


def zone(name: str) -> ZoneInfo:
    """The IANA zone named, with a clear error for a typo.

    Raises:
        ValueError: "timezone: unknown IANA time zone 'Asia/Shanghia'".
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"timezone: unknown IANA time zone {name!r}") from None


@dataclass(frozen=True)
class MaintenanceWindow:
    """Planned work on `components`: their alerts, and their dependants', are suppressed while it runs.

    Raises:
        ValueError: naming the field, when components, who or why are missing, the end is not
            after the start, an occurrence is longer than a week, or the time zone is unknown.
    """

    id: str
    components: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    recurrence: Recurrence | None
    timezone: str
    created_by: str
    reason: str
    created_at: datetime
    cancelled_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.components or not all(component.strip() for component in self.components):
            raise ValueError("components: name at least one CMDB component, none empty")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at: must be after starts_at")
        if self.recurrence is not None and self.duration > MAX_OCCURRENCE:
            raise ValueError("ends_at: a recurring window's occurrence may last at most 7 days")
        if not self.created_by.strip():
            raise ValueError("created_by: say who plans the maintenance")
        if not self.reason.strip():
            raise ValueError("reason: say what the maintenance is for")
        zone(self.timezone)

    @property
    def duration(self) -> timedelta:
        """How long each occurrence lasts, in real time."""
        return self.ends_at - self.starts_at

    def covers(self, component_ids: frozenset[str] | set[str]) -> str | None:
        """The first of this window's components that the alert touches, if any."""
        return next((component for component in self.components if component in component_ids), None)


def occurrence_at(window: MaintenanceWindow, now: datetime) -> tuple[datetime, datetime] | None:
    """The occurrence of `window` under way at `now` as (start, end), or None."""
    earliest_start = now - window.duration
    for start, end in _occurrences_from(window, earliest_start):
        if start > now:
            return None
        if now < end:
            return start, end
    return None


def next_occurrences(window: MaintenanceWindow, after: datetime, count: int) -> list[tuple[datetime, datetime]]:
    """Up to `count` occurrences not over at `after`, in order: the one under way first, if any."""
    found = []
    for start, end in _occurrences_from(window, after - window.duration):
        if len(found) == count:
            break
        if end > after:
            found.append((start, end))
    return found


def is_finished(window: MaintenanceWindow, now: datetime) -> bool:
    """Whether no occurrence is under way or still to come (so a snapshot may drop the window)."""
    return not next_occurrences(window, now, 1)


class WindowState(StrEnum):
    """Where a window is at a given time, for listings."""

    RUNNING = "running"
    SCHEDULED = "scheduled"
    FINISHED = "finished"
    CANCELLED = "cancelled"


def window_state(window: MaintenanceWindow, now: datetime) -> WindowState:
    """Cancelled (from its cancellation on), running, scheduled (more to come) or finished."""
    if window.cancelled_at is not None and window.cancelled_at <= now:
        return WindowState.CANCELLED
    if occurrence_at(window, now) is not None:
        return WindowState.RUNNING
    return WindowState.FINISHED if is_finished(window, now) else WindowState.SCHEDULED


def _occurrences_from(window: MaintenanceWindow, earliest: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Occurrences starting at or after `earliest`, in order, ended early by a cancellation."""
    stop = window.cancelled_at
    for start in _starts_from(window, earliest):
        if stop is not None and start >= stop:
            return
        end = start + window.duration
        yield start, end if stop is None else min(end, stop)


def _starts_from(window: MaintenanceWindow, earliest: datetime) -> Iterator[datetime]:
    recurrence = window.recurrence
    if recurrence is None:
        if window.starts_at >= earliest:
            yield window.starts_at
        return
    tz = zone(window.timezone)
    first_local = window.starts_at.astimezone(tz)
    local_time = first_local.time().replace(tzinfo=None, fold=0)
    day = max(first_local.date(), earliest.astimezone(tz).date() - timedelta(days=1))
    while recurrence.until is None or day <= recurrence.until:
        if recurrence.includes(day):
            start = datetime.combine(day, local_time, tzinfo=tz).astimezone(timezone.utc)
            if start >= earliest and start >= window.starts_at:
                yield start
        day += timedelta(days=1)
