"""Pure: wall-clock arithmetic for on-call rotations and daily windows, turned into UTC instants.

A rotation hands off at the same local wall time every shift (09:00 stays 09:00 across DST), so
shift starts are computed as naive local times and only then mapped to instants. The mapping
uses fold=0: an ambiguous time (the repeated hour of a fall-back) is its first occurrence, and a
nonexistent time (the skipped hour of a spring-forward) moves forward by the gap, e.g. 02:30 on
New York's spring-forward day is 03:30 EDT. Because of that forward move two consecutive shift
starts can map to the same instant, or (for short shifts) out of order; the rule "the shift on
call is the latest-numbered one that has started" keeps the answer well defined either way.
`notify/schedules.py` builds on-call answers from these functions.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Iterator

from notify.directory import DailyWindow, Layer, RotationKind

UTC = timezone.utc

#: Custom rotations shorter than this are refused: PagerDuty's minimum too, and it bounds the
#: number of handoffs `shifts()` enumerates (at most 8,784 per layer in its 366-day range).
MIN_CUSTOM_SHIFT = timedelta(hours=1)

# UTC offsets in the tz database (local mean times included) lie within -15:56..+15:13, so two
# offsets of one zone never differ by more than this; it bounds how far from a wall-time
# estimate the true shift number can be.
_MAX_OFFSET_SWING = timedelta(hours=32)

# A window starts on some local date and lasts at most 24 h of wall time (plus an offset swing),
# so the dates whose windows can touch an instant lie within this many days of its local date.
_WINDOW_DATE_MARGIN = 3


def local_instant(wall: datetime, zone: tzinfo) -> datetime:
    """The UTC instant of naive local `wall` in `zone` (fold=0: first occurrence; a gap moves forward)."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def local_wall(at: datetime, zone: tzinfo) -> datetime:
    """The naive local wall time of aware instant `at` in `zone`."""
    return at.astimezone(zone).replace(tzinfo=None)


def shift_length(layer: Layer) -> timedelta:
    """The wall-clock length of one shift of `layer`: a day, a week, or the layer's custom `shift`.

    Raises:
        ValueError: the kind is unknown, or a custom layer's shift is shorter than `MIN_CUSTOM_SHIFT`.
    """
    try:
        kind = RotationKind(layer.kind)
    except ValueError:
        raise ValueError(f"layer {layer.id!r}: unknown rotation kind {layer.kind!r}") from None
    if kind is RotationKind.DAILY:
        return timedelta(days=1)
    if kind is RotationKind.WEEKLY:
        return timedelta(days=7)
    if layer.shift < MIN_CUSTOM_SHIFT:
        raise ValueError(
            f"layer {layer.id!r}: a custom rotation's shift must be at least {MIN_CUSTOM_SHIFT}, got {layer.shift}"
        )
    return layer.shift


def shift_start(layer: Layer, zone: tzinfo, number: int) -> datetime:
    """The UTC instant shift `number` of `layer` starts: `number` shifts of wall time after its start."""
    return local_instant(layer.start + number * shift_length(layer), zone)


def shift_number(layer: Layer, zone: tzinfo, at: datetime) -> int | None:
    """The number of the shift of `layer` on call at UTC instant `at`: the highest one started by then.

    None before the first shift starts.
    """
    numbers = _numbers_around(layer, zone, at, at)
    # Shifts above the range start after `at`, and the range's first one (unless it is shift 0)
    # started before it, so the answer is the highest started shift in the range.
    return next((number for number in reversed(numbers) if shift_start(layer, zone, number) <= at), None)


def window_intervals(
    window: DailyWindow, zone: tzinfo, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """The UTC intervals [opens, closes) of `window` on local dates around `start`..`end` (all that touch it, and more).

    A window runs from `start` to `end` wall time on each of its `days` (every day if empty); it
    wraps past midnight when start > end, and start == end means a whole day. Intervals that a
    DST gap makes empty are skipped.
    """
    first = local_wall(start, zone).date() - timedelta(days=_WINDOW_DATE_MARGIN)
    last = local_wall(end, zone).date() + timedelta(days=_WINDOW_DATE_MARGIN)
    day = first
    while day <= last:
        if not window.days or day.weekday() in window.days:
            opens = local_instant(_on(day, window.start), zone)
            closes_on = day + timedelta(days=1) if window.end <= window.start else day
            closes = local_instant(_on(closes_on, window.end), zone)
            if opens < closes:
                yield opens, closes
        day += timedelta(days=1)


def inside(window: DailyWindow, zone: tzinfo, at: datetime) -> bool:
    """Whether UTC instant `at` lies in one of `window`'s intervals."""
    return any(opens <= at < closes for opens, closes in window_intervals(window, zone, at, at))


def layer_person(layer: Layer, zone: tzinfo, at: datetime) -> str | None:
    """Who `layer` puts on call at UTC instant `at`: nobody before its start, outside its window or without people."""
    if not layer.participants:
        return None
    if layer.active is not None and not inside(layer.active, zone, at):
        return None
    number = shift_number(layer, zone, at)
    return None if number is None else layer.participants[number % len(layer.participants)]


@dataclass(frozen=True)
class LayerTimeline:
    """What `layer_person` answers for one layer over a range, worked out once for the whole range.

    A timeline of a year of hourly shifts asks who is on call thousands of times; this costs one
    time-zone conversion per shift instead of dozens per question.
    """

    layer: Layer
    takeovers: tuple[datetime, ...]  # when each of `numbers` takes over, non-decreasing
    numbers: tuple[int, ...]  # increasing shift numbers
    spans: tuple[tuple[datetime, datetime], ...] | None  # the active window, sorted and disjoint; None = always

    @classmethod
    def build(cls, layer: Layer, zone: tzinfo, start: datetime, end: datetime) -> LayerTimeline:
        """Work out `layer` from UTC instant `start` to `end`."""
        numbers = _numbers_around(layer, zone, start, end)
        starts = sorted((shift_start(layer, zone, number), number) for number in numbers)
        takeovers: list[tuple[datetime, int]] = []
        for instant, number in starts:
            # A shift that a later-numbered one started before (a DST gap moved it forward) never takes over.
            if not takeovers or number > takeovers[-1][1]:
                takeovers.append((instant, number))
        spans = None if layer.active is None else _merged(window_intervals(layer.active, zone, start, end))
        return cls(layer, tuple(at for at, _ in takeovers), tuple(number for _, number in takeovers), spans)

    def edges(self) -> Iterator[datetime]:
        """Every instant at which this layer's answer may change."""
        if self.layer.participants:
            yield from self.takeovers
            for opens, closes in self.spans or ():
                yield from (opens, closes)

    def person_at(self, at: datetime) -> str | None:
        """`layer_person` at UTC instant `at`, which must lie in the range the timeline was built for."""
        if not self.layer.participants:
            return None
        if self.spans is not None:
            index = bisect_right(self.spans, at, key=lambda span: span[0]) - 1
            if index < 0 or at >= self.spans[index][1]:
                return None
        index = bisect_right(self.takeovers, at) - 1
        return None if index < 0 else self.layer.participants[self.numbers[index] % len(self.layer.participants)]


def _numbers_around(layer: Layer, zone: tzinfo, start: datetime, end: datetime) -> range:
    """Shift numbers that can be on call between UTC instants `start` and `end`, plus a few on either side.

    Shifts after the range start after `end`; the range's first one, unless it is shift 0,
    started before `start`.
    """
    step = shift_length(layer)
    reach = _MAX_OFFSET_SWING // step + 1
    first = max((local_wall(start, zone) - layer.start) // step - reach, 0)
    last = (local_wall(end, zone) - layer.start) // step + reach
    return range(first, max(last + 1, first))


def _merged(intervals: Iterator[tuple[datetime, datetime]]) -> tuple[tuple[datetime, datetime], ...]:
    """The union of `intervals` as sorted, disjoint intervals."""
    merged: list[tuple[datetime, datetime]] = []
    for opens, closes in sorted(intervals):
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], closes))
        else:
            merged.append((opens, closes))
    return tuple(merged)


def _on(day: date, wall: time) -> datetime:
    """Naive local `wall` time on `day`."""
    return datetime.combine(day, wall)
