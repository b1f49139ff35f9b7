"""Pure: read the `schedules` section of a paging file — schedules, their rotation layers and overrides.

Split from `directory_parse` because schedules carry most of the time rules: a layer's `start`
is local wall time in the schedule's zone (handoffs stay at 09:00 across DST), while an
override's `start`/`end` are instants and must carry an offset — a naive override would mean a
different hour to every reader. The reader it is given (`directory_reader.Reader`) collects the
errors and references.
"""
from __future__ import annotations

from datetime import timedelta

from notify.directory import Layer, Override, RotationKind, Schedule
from notify.directory_format import (
    Located,
    format_duration,
    parse_duration,
    parse_instant,
    parse_local_datetime,
    parse_timezone,
)
from notify.directory_reader import DEFAULT_TIMEZONE, Reader
from notify.rotations import MIN_CUSTOM_SHIFT

SCHEDULE_KEYS = ("id", "name", "timezone", "layers", "overrides")
LAYER_KEYS = ("id", "rotation", "shift", "start", "participants", "active")
OVERRIDE_KEYS = ("start", "end", "person", "replaces")
# The shift length each fixed rotation implies; `custom` takes it from `shift`.
FIXED_SHIFTS = {RotationKind.DAILY: timedelta(days=1), RotationKind.WEEKLY: timedelta(days=7)}


class LayerReader:
    """Turns located schedule mappings into `Schedule`s, reporting through the file's reader."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def schedule(self, item: Located) -> Schedule | None:
        """One schedule, or None when it has no usable id (the error is already reported)."""
        r = self.reader
        sid = r.ident(item, "schedule")
        context = f"schedule {sid or '?'}"
        r.check_keys(item, SCHEDULE_KEYS, ("id", "name", "layers"), context)
        timezone = r.parsed(item, "timezone", parse_timezone, context, default=DEFAULT_TIMEZONE)
        layers: list[Layer] = []
        entries = r.items(item, "layers", context)
        for entry in entries:
            layer = self.layer(entry, context)
            if layer is None:
                continue
            if any(existing.id == layer.id for existing in layers):
                r.error(entry.line, context, f"duplicate layer id {layer.id!r} (expected unique ids per schedule)")
            layers.append(layer)
        if "layers" in item and not entries:
            r.error(item.line_of("layers"), context, "no layers (expected at least one rotation layer)")
        overrides = tuple(
            override for entry in r.items(item, "overrides", context)
            if (override := self.override(entry, context)) is not None
        )
        if sid is None:
            return None
        name = r.text(item, "name", context, default=sid)
        return Schedule(id=sid, name=name, timezone=timezone, layers=tuple(layers), overrides=overrides)

    def layer(self, item: Located, schedule_context: str) -> Layer | None:
        """One rotation layer (None if unusable; the error is already reported)."""
        r = self.reader
        lid = r.ident(item, "layer")
        context = f"{schedule_context}, layer {lid or '?'}"
        r.check_keys(item, LAYER_KEYS, ("id", "rotation", "start", "participants"), context)
        kind = self._rotation(item, context)
        shift = r.parsed(item, "shift", lambda v: parse_duration(v, allow_zero=False), context)
        if kind is RotationKind.CUSTOM and shift is None and "shift" not in item:
            r.error(item.line, context, "rotation custom needs a shift (expected e.g. shift: 12h)")
        if kind is RotationKind.CUSTOM and shift is not None and shift < MIN_CUSTOM_SHIFT:
            r.error(item.line_of("shift"), context, f"shift {format_duration(shift)} is too short (expected 1h or more)")
        if kind in FIXED_SHIFTS and "shift" in item:
            r.error(item.line_of("shift"), context, f"shift only applies to rotation custom (a {kind} shift is {FIXED_SHIFTS[kind].days}d)")
        start = r.parsed(item, "start", parse_local_datetime, context)
        participants = r.ids(item, "participants", context)
        for line, person in participants:
            r.ref(line, "person", person, context)
        active = r.window(item, "active", context)
        length = FIXED_SHIFTS.get(kind) if kind in FIXED_SHIFTS else shift
        if lid is None or kind is None or start is None or length is None:
            return None
        return Layer(
            id=lid, kind=kind, start=start, participants=tuple(p for _, p in participants), shift=length, active=active,
        )

    def _rotation(self, item: Located, context: str) -> RotationKind | None:
        value = self.reader.text(item, "rotation", context)
        kinds = tuple(str(k) for k in RotationKind)
        if value is not None and value not in kinds:
            self.reader.error(item.line_of("rotation"), context, f"unknown rotation {value!r} (expected {', '.join(kinds)})")
            return None
        return None if value is None else RotationKind(value)

    def override(self, item: Located, schedule_context: str) -> Override | None:
        """One override between two aware instants (None if unusable; the error is already reported)."""
        r = self.reader
        context = f"{schedule_context}, override"
        r.check_keys(item, OVERRIDE_KEYS, ("start", "end", "person"), context)
        start = r.parsed(item, "start", parse_instant, context)
        end = r.parsed(item, "end", parse_instant, context)
        if start is not None and end is not None and end <= start:
            r.error(item.line_of("end"), context, f"end {end.isoformat()} is not after start {start.isoformat()} (expected end > start)")
        person = r.text(item, "person", context)
        replaces = r.text(item, "replaces", context)
        for key, ident in (("person", person), ("replaces", replaces)):
            if ident is not None:
                r.ref(item.line_of(key), "person", ident, context)
        if start is None or end is None or person is None:
            return None
        return Override(start=start, end=end, person=person, replaces=replaces)
