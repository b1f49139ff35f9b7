"""Pure: who is on call in a schedule at any instant, the timeline between two instants, and the next handoff.

PagerDuty-like semantics. Each layer is a rotation handing off at the same local wall time in the
schedule's time zone (arithmetic in `notify/rotations.py`); shift i goes to participant
i % len(participants). A layer has nobody before its start, outside its `active` window, or
without participants. The highest (last) layer that has someone wins; overrides then apply on
top, in the order listed: one with `replaces=None` puts its person on call instead of everyone,
one with `replaces=X` swaps X out only while X is on call. Every instant is aware and answers
are in UTC; nothing here reads the clock.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from notify.directory import DailyWindow, Override, Schedule
from notify.rotations import UTC, LayerTimeline, inside, layer_person, shift_length

#: The longest range `shifts()` lays out, and how far ahead `next_handoff()` looks.
MAX_RANGE = timedelta(days=366)

# next_handoff() looks a day ahead first and doubles the span each time: most handoffs are
# within a week, and a schedule that never changes costs nine lay-outs adding up to a year.
_FIRST_LOOKAHEAD = timedelta(days=1)


@dataclass(frozen=True)
class Shift:
    """From `start` to `end` (UTC) the same `people` are on call; empty `people` means nobody is."""

    start: datetime
    end: datetime
    people: tuple[str, ...]


@dataclass(frozen=True)
class Handoff:
    """At `at` (UTC) the on-call set changes from `outgoing` to `incoming` (either may be empty)."""

    at: datetime
    outgoing: tuple[str, ...]
    incoming: tuple[str, ...]


def on_call(schedule: Schedule, at: datetime) -> tuple[str, ...]:
    """The ids of the people on call in `schedule` at aware instant `at`, without duplicates.

    Raises:
        ValueError: `at` is naive, or the schedule is malformed (see `check_schedule`).
    """
    zone = check_schedule(schedule)
    return _on_call(schedule, zone, _utc(at, "at"))


def shifts(schedule: Schedule, start: datetime, end: datetime) -> tuple[Shift, ...]:
    """The on-call timeline of `schedule` from `start` to `end` as contiguous segments, adjacent ones differing.

    The segments cover the range exactly, including stretches where nobody is on call.

    Raises:
        ValueError: an instant is naive, `end` is not after `start`, the range exceeds `MAX_RANGE`,
            or the schedule is malformed.
    """
    zone = check_schedule(schedule)
    start, end = _utc(start, "start"), _utc(end, "end")
    if end <= start:
        raise ValueError(f"shifts of {schedule.id!r}: end {end.isoformat()} is not after start {start.isoformat()}")
    if end - start > MAX_RANGE:
        raise ValueError(f"shifts of {schedule.id!r}: range {end - start} exceeds the {MAX_RANGE.days}-day limit")
    return _timeline(schedule, zone, start, end)


def next_handoff(schedule: Schedule, after: datetime) -> Handoff | None:
    """The first change of who is on call after aware instant `after`; None if none within `MAX_RANGE`.

    Raises:
        ValueError: `after` is naive, or the schedule is malformed.
    """
    zone = check_schedule(schedule)
    after = _utc(after, "after")
    current = _on_call(schedule, zone, after)
    horizon = after + MAX_RANGE
    begin, span = after, _FIRST_LOOKAHEAD
    while begin < horizon:
        stop = min(begin + span, horizon)
        for segment in _timeline(schedule, zone, begin, stop):
            if segment.people != current:
                return Handoff(at=segment.start, outgoing=current, incoming=segment.people)
        begin, span = stop, span * 2
    return None


def in_window(window: DailyWindow, at: datetime, tz: str) -> bool:
    """Whether aware instant `at` falls in `window`, read as wall-clock times in time zone `tz`.

    `days` are the weekdays a window starts on (a Friday 23:00–07:00 window covers Saturday
    03:00); start > end wraps midnight; start == end is a whole day. Window edges that fall in
    a DST gap move forward like handoffs do.

    Raises:
        ValueError: `at` is naive, `tz` is unknown, or the window is malformed.
    """
    zone = _zone(tz, where="window")
    _check_window(window, where="window")
    at = _utc(at, "at")
    return inside(window, zone, at)


def check_schedule(schedule: Schedule) -> tzinfo:
    """Validate `schedule` and return its time zone.

    Raises:
        ValueError: unknown time zone, an aware layer start, an unknown rotation kind, a custom
            shift under an hour, a malformed window, or an override that is naive or does not end
            after it starts.
    """
    where = f"schedule {schedule.id!r}"
    zone = _zone(schedule.timezone, where=where)
    for layer in schedule.layers:
        if layer.start.tzinfo is not None:
            raise ValueError(f"{where}, layer {layer.id!r}: start must be naive local wall time, got {layer.start}")
        try:
            shift_length(layer)
        except ValueError as error:
            raise ValueError(f"{where}, {error}") from None
        if layer.active is not None:
            _check_window(layer.active, where=f"{where}, layer {layer.id!r}")
    for number, override in enumerate(schedule.overrides):
        label = f"{where}, override #{number + 1} ({override.person!r})"
        begins, ends = _utc(override.start, f"{label} start"), _utc(override.end, f"{label} end")
        if ends <= begins:
            raise ValueError(f"{label}: end {ends.isoformat()} is not after start {begins.isoformat()}")
    return zone


def _on_call(schedule: Schedule, zone: tzinfo, at: datetime) -> tuple[str, ...]:
    """`on_call` on a checked schedule and a UTC instant."""
    return _resolve([layer_person(layer, zone, at) for layer in schedule.layers], schedule.overrides, at)


def _resolve(layer_people: Sequence[str | None], overrides: Sequence[Override], at: datetime) -> tuple[str, ...]:
    """The on-call set at UTC instant `at` given each layer's person: the last layer with someone, then overrides."""
    people = next(((person,) for person in reversed(layer_people) if person is not None), ())
    for override in overrides:
        if not _utc(override.start, "override") <= at < _utc(override.end, "override"):
            continue
        if override.replaces is None:
            people = (override.person,)
        elif override.replaces in people:
            people = tuple(override.person if person == override.replaces else person for person in people)
    return tuple(dict.fromkeys(people))


def _timeline(schedule: Schedule, zone: tzinfo, start: datetime, end: datetime) -> tuple[Shift, ...]:
    """`shifts` on a checked schedule and UTC instants, without the range checks."""
    layers = [LayerTimeline.build(layer, zone, start, end) for layer in schedule.layers]
    # Who is on call changes only where a shift starts, a window opens or closes, or an override
    # begins or ends, so evaluating at each such instant gives the whole timeline.
    edges = {start, end}
    for layer in layers:
        edges.update(layer.edges())
    for override in schedule.overrides:
        edges.update(_utc(edge, "override") for edge in (override.start, override.end))
    points = sorted(edge for edge in edges if start <= edge <= end)
    timeline: list[Shift] = []
    for begin, stop in zip(points, points[1:]):
        people = _resolve([layer.person_at(begin) for layer in layers], schedule.overrides, begin)
        if timeline and timeline[-1].people == people:
            timeline[-1] = Shift(timeline[-1].start, stop, people)
        else:
            timeline.append(Shift(begin, stop, people))
    return tuple(timeline)


def _zone(name: str, *, where: str) -> tzinfo:
    """The time zone called `name`, or a ValueError naming `where` it was asked for."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"{where}: unknown time zone {name!r}") from error


def _check_window(window: DailyWindow, *, where: str) -> None:
    """Refuse a window whose times carry a time zone or whose days are not weekdays 0..6."""
    if window.start.tzinfo is not None or window.end.tzinfo is not None:
        raise ValueError(f"{where}: window times must be naive wall-clock times, got {window.start}–{window.end}")
    bad_days = [day for day in window.days if day not in range(7)]
    if bad_days:
        raise ValueError(f"{where}: window days must be weekdays 0 (Monday) to 6 (Sunday), got {bad_days}")


def _utc(at: datetime, what: str) -> datetime:
    """`at` in UTC, so aware instants compare by instant (same-tzinfo datetimes compare by wall time)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware instant, got naive {at.isoformat()}")
    return at.astimezone(UTC)
