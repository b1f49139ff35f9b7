"""Pure: the paging file's building blocks — YAML that remembers lines, and the small value formats.

The paging file is written by hand at night-shift speed, so every value is read strictly and
every mistake names a line: mappings and lists from `load_located` carry the line of each key
and item. Times ("23:00") and timestamps ("2026-11-02T09:00") stay text here instead of turning
into YAML 1.1's base-60 integers and datetimes, so `from: 23:00` means 23:00 whether quoted or
not. Each `parse_*` function returns a value or raises `FormatError` saying what was expected.
"""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


class FormatError(ValueError):
    """A value is not in the expected format; the message says what was expected."""


class Located(dict):
    """A YAML mapping that remembers its own line, the line of each key, and any key written twice."""

    line = 1
    key_lines: dict[Any, int]
    duplicate_keys: tuple[str, ...] = ()

    def line_of(self, key: Any) -> int:
        """The line `key` is written on (or the mapping's, if the key is absent)."""
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    """A YAML sequence that remembers its line and each item's line."""

    line = 1
    item_lines: list[int]

    def line_at(self, index: int) -> int:
        """The line of item `index`."""
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _LineLoader(yaml.SafeLoader):
    """A safe loader (builds no objects) whose mappings and sequences carry line numbers."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Any:
    data = Located()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    keys = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int)):
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a name, got {key!r}", key_node.start_mark
            )
        keys.append(key)
        data.key_lines[key] = key_node.start_mark.line + 1
        data[key] = loader.construct_object(value_node, deep=True)
    data.duplicate_keys = tuple(str(k) for i, k in enumerate(keys) if k in keys[:i])


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> Any:
    data = LocatedList()
    data.line = node.start_mark.line + 1
    data.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_object(item, deep=True) for item in node.value)


def _construct_int(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    # YAML 1.1 reads 23:00 as the base-60 integer 1380; a paging file means a clock time.
    if ":" in node.value:
        return loader.construct_scalar(node)
    return loader.construct_yaml_int(node)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_scalar)


def load_located(text: str) -> Any:
    """Parse one YAML document into `Located` mappings and `LocatedList`s (None for an empty text).

    Raises:
        yaml.YAMLError: with a `problem_mark` when the text is not valid YAML.
    """
    return yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass: constructs plain data only


def parse_duration(value: Any, *, allow_zero: bool = True) -> timedelta:
    """ "30s", "5m", "2h", "1d" or combinations in that order ("1h30m"); a bare 0 is zero."""
    if value == 0 and not isinstance(value, bool) and allow_zero:
        return timedelta(0)
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text is None:
        raise FormatError(f"got {value!r} (expected a duration like 30s, 5m, 2h, 1d or 1h30m)")
    if text.startswith("-"):
        raise FormatError(f"{text!r} is negative (expected a duration of 0 or more, like 5m)")
    match = _DURATION.match(text)
    if not text or match is None or not any(match.groups()):
        hint = " — add a unit, e.g. 5m" if text.isdigit() else ""
        raise FormatError(f"{text!r} is not a duration{hint} (expected like 30s, 5m, 2h, 1d or 1h30m)")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if not duration and not allow_zero:
        raise FormatError(f"{text!r} is zero (expected a duration above 0)")
    return duration


def format_duration(duration: timedelta) -> str:
    """The paging file's spelling of a duration: 1h30m, 2d, 0s."""
    seconds = int(duration.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def parse_clock(value: Any) -> time:
    """A wall-clock time "HH:MM" (00:00–23:59)."""
    match = _CLOCK.match(value.strip()) if isinstance(value, str) else None
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise FormatError(f"got {value!r} (expected a time of day \"HH:MM\", e.g. \"07:00\")")
    return time(int(match.group(1)), int(match.group(2)))


def parse_weekdays(value: Any) -> tuple[int, ...]:
    """A list of mon..sun as 0..6, in the order written, without repeats."""
    if not isinstance(value, list) or not value:
        raise FormatError(f"got {value!r} (expected a list of weekdays, e.g. [mon, tue, wed])")
    days: list[int] = []
    for day in value:
        name = str(day).strip().lower()
        if name not in WEEKDAYS:
            raise FormatError(f"unknown weekday {day!r} (expected {', '.join(WEEKDAYS)})")
        if WEEKDAYS.index(name) in days:
            raise FormatError(f"weekday {name!r} is listed twice")
        days.append(WEEKDAYS.index(name))
    return tuple(days)


def parse_timezone(value: Any) -> str:
    """An IANA time zone name such as Asia/Shanghai."""
    if not isinstance(value, str) or not value.strip():
        raise FormatError(f"got {value!r} (expected an IANA time zone like Asia/Shanghai)")
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise FormatError(f"unknown time zone {value!r} (expected an IANA name like Asia/Shanghai)") from None
    return value.strip()


def parse_local_datetime(value: Any) -> datetime:
    """A naive wall time "YYYY-MM-DDTHH:MM" in the schedule's own zone; an offset is refused."""
    moment = _parse_iso(value, "a local date and time like \"2026-11-02T09:00\"")
    if moment.tzinfo is not None:
        raise FormatError(
            f"{value!r} has a UTC offset (expected local wall time of the schedule's zone, e.g. \"2026-11-02T09:00\")"
        )
    return moment


def parse_instant(value: Any) -> datetime:
    """An aware instant "YYYY-MM-DDTHH:MM+08:00" (or ending in Z); a naive time is refused."""
    moment = _parse_iso(value, "an instant with its offset like \"2026-11-25T09:00+08:00\"")
    if moment.tzinfo is None:
        raise FormatError(f"{value!r} has no UTC offset (expected e.g. \"2026-11-25T09:00+08:00\")")
    return moment


def _parse_iso(value: Any, expected: str) -> datetime:
    if not isinstance(value, str):
        raise FormatError(f"got {value!r} (expected {expected})")
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise FormatError(f"{value!r} is not a date and time (expected {expected})") from None


def check_e164(address: str) -> str:
    """An E.164 phone number: +, country code, subscriber number, 7 to 15 digits in all."""
    if not E164.match(address):
        raise FormatError(f"{address!r} is not an E.164 number (expected + and 7-15 digits, e.g. \"+8613800000001\")")
    return address
