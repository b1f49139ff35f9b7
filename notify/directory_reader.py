"""Pure: the located-YAML reading every section of a paging file shares, and what one file yields.

`Reader` wraps one file's `Document`: each helper reads a value from a `Located` mapping and,
instead of raising, appends "file:line: context: what is wrong (expected)" to the document's
errors and returns None, so one pass finds every mistake. References to other ids are only
recorded here (`Ref`); `directory_parse.build_directory` checks them once all files are read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence, TypeVar

from notify.directory import DailyWindow, EscalationPolicy, Group, Person, PolicyRoute, RateLimit, Schedule, Target
from notify.directory_format import FormatError, Located, LocatedList, parse_clock, parse_weekdays

T = TypeVar("T")

WINDOW_KEYS = ("from", "to", "days")
# Where the machine rooms this was built for are; people and schedules default to it.
DEFAULT_TIMEZONE = "Asia/Shanghai"
_MISSING: Any = object()


@dataclass(frozen=True)
class Ref:
    """A reference to a person, group, schedule or policy id, checked once every file is read."""

    where: str
    kind: str
    id: str
    context: str


@dataclass(frozen=True)
class Routing:
    """The `routing` section as written."""

    where: str
    default_policy: str
    routes: tuple[PolicyRoute, ...]
    major: tuple[Target, ...]


@dataclass
class Document:
    """One file's entries with where each was written, its references and its format errors."""

    source: str
    people: list[tuple[str, Person]] = field(default_factory=list)
    groups: list[tuple[str, Group]] = field(default_factory=list)
    schedules: list[tuple[str, Schedule]] = field(default_factory=list)
    policies: list[tuple[str, EscalationPolicy]] = field(default_factory=list)
    routing: Routing | None = None
    limits: tuple[str, tuple[RateLimit, ...]] | None = None
    refs: list[Ref] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    read: bool = True  # False when the file could not be read as a mapping at all


class Reader:
    """Reads values out of one file's located mappings, recording errors and references in its `Document`."""

    def __init__(self, document: Document) -> None:
        self.doc = document

    def where(self, line: int) -> str:
        """"file:line" of this document."""
        return f"{self.doc.source}:{line}"

    def error(self, line: int, context: str, message: str) -> None:
        """Record "file:line: context: message"."""
        self.doc.errors.append(f"{self.where(line)}: {context + ': ' if context else ''}{message}")

    def ref(self, line: int, kind: str, ident: Any, context: str) -> None:
        """Record that `context` names the `kind` called `ident` (checked across all files later)."""
        self.doc.refs.append(Ref(self.where(line), kind, str(ident), context))

    def check_keys(self, item: Located, allowed: Sequence[str], required: Sequence[str], context: str) -> None:
        """Unknown, doubled and missing keys of one mapping."""
        for key in item:
            if key not in allowed:
                self.error(item.line_of(key), context, f"unknown key {key!r} (expected one of {', '.join(allowed)})")
        for key in item.duplicate_keys:
            self.error(item.line, context, f"key {key!r} is written twice (expected each key once)")
        for key in required:
            if key not in item:
                self.error(item.line, context, f"missing {key!r} (expected keys {', '.join(required)})")

    def items(self, node: Located, key: str, context: str) -> list[Located]:
        """The mappings listed under `key`; anything else listed there is an error."""
        value = node.get(key)
        if value is None:
            return []
        if not isinstance(value, LocatedList):
            self.error(node.line_of(key), context, f"{key!r} must be a list (got {value!r})")
            return []
        for index, item in enumerate(value):
            if not isinstance(item, Located):
                self.error(value.line_at(index), context, f"{key}[{index}] must be a mapping (got {item!r})")
        return [item for item in value if isinstance(item, Located)]

    def ids(self, node: Located, key: str, context: str) -> list[tuple[int, str]]:
        """A list of ids under `key`, each with its line."""
        value = node.get(key)
        if value is None:
            return []
        if not isinstance(value, LocatedList):
            self.error(node.line_of(key), context, f"{key!r} must be a list of ids (got {value!r})")
            return []
        found = []
        for index, item in enumerate(value):
            if not is_text(item) or not str(item).strip():
                self.error(value.line_at(index), context, f"{key}[{index}] must be an id (got {item!r})")
            else:
                found.append((value.line_at(index), str(item).strip()))
        return found

    def text(self, item: Located, key: str, context: str, default: Any = _MISSING) -> Any:
        """A text value (ids and numbers as text); missing keys are reported by `check_keys`."""
        value = item.get(key)
        if value is None:
            if key in item:  # written as `key:` with nothing after it
                self.error(item.line_of(key), context, f"{key!r} is empty (expected a value or no {key!r} at all)")
            return None if default is _MISSING else default
        if not is_text(value) or not str(value).strip():
            self.error(item.line_of(key), context, f"{key!r} must be a text (got {value!r})")
            return None if default is _MISSING else default
        return str(value).strip()

    def ident(self, item: Located, kind: str) -> str | None:
        """The entry's id: non-empty, no spaces."""
        value = self.text(item, "id", kind)
        if value is not None and any(ch.isspace() for ch in value):
            self.error(item.line_of("id"), kind, f"id {value!r} contains spaces (expected e.g. li.wei)")
        return value

    def parsed(self, item: Located, key: str, parse: Callable[[Any], T], context: str, default: Any = None) -> Any:
        """`parse(item[key])`, or `default` (with an error naming the line) when absent or malformed."""
        if key not in item:
            return default
        if item[key] is None:
            self.error(item.line_of(key), context, f"{key!r} is empty (expected a value or no {key!r} at all)")
            return default
        try:
            return parse(item[key])
        except FormatError as exc:
            self.error(item.line_of(key), context, f"{key}: {exc}")
            return default

    def window(self, item: Located, key: str, context: str) -> DailyWindow | None:
        """An optional {from, to, days} window."""
        value = item.get(key)
        if value is None:
            return None
        if not isinstance(value, Located):
            self.error(item.line_of(key), context, f"{key!r} must be a mapping (expected {{from: \"23:00\", to: \"07:00\"}})")
            return None
        where = f"{context}, {key}"
        self.check_keys(value, WINDOW_KEYS, ("from", "to"), where)
        start = self.parsed(value, "from", parse_clock, where)
        end = self.parsed(value, "to", parse_clock, where)
        days = self.parsed(value, "days", parse_weekdays, where, default=())
        if start is None or end is None:
            return None
        return DailyWindow(start=start, end=end, days=days)


def is_text(value: Any) -> bool:
    """Whether `value` can stand for a text (YAML reads `id: 110` as a number)."""
    return isinstance(value, (str, int)) and not isinstance(value, bool)
