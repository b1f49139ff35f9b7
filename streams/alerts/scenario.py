"""Pure: the scenario format — timed alerts, one JSON object a line — its strict parser and its schedule.

A scenario is what `alertdesk replay` sends and what the correlation scenarios (issue 4) are
made of (docs/scenarios.md). Each line is `{"at": <seconds from the start>, "source": <a
registered parser>, "body": <the JSON body that source takes>}`; blank lines and lines starting
with `#` are comments. Parsing is strict and every error names its line, because a scenario is
written by hand. `schedule` turns a parsed scenario into due times from a `now` and a speed
factor; the shell that sends does the waiting.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Sequence

from streams.alerts.model import Envelope
from streams.alerts.normalize import normalize
from streams.alerts.parsers import PARSERS

KEYS = ("at", "source", "body")
MAX_AT_S = 7 * 24 * 3600  # a week: longer is a recording, not a scenario (and keeps due times representable)
CONTENT_TYPE = "application/json"


class ScenarioError(ValueError):
    """A scenario that cannot be replayed; the message starts with `line N: ` (1-based)."""

    def __init__(self, line: int, reason: str) -> None:
        """Record the line number and the reason."""
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class ScenarioLine:
    """One timed alert body: when (seconds from the start), from which source, the body text, and its line."""

    line: int
    at: float
    source: str
    body: str


@dataclass(frozen=True)
class Due:
    """One send of a schedule: when it is due, the source and body to send, and the scenario line."""

    due_at: datetime
    source: str
    body: str
    line: int


def parse_scenario(text: str) -> tuple[ScenarioLine, ...]:
    """Parse a scenario's text into its lines, in order.

    Raises:
        ScenarioError: the first line that is not valid JSON, is not an object with exactly
            `at`, `source` and `body`, has a bad `at` or an unknown source, or is earlier
            than the line before it.
    """
    parsed: list[ScenarioLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        entry = _parse_line(number, stripped)
        if parsed and entry.at < parsed[-1].at:
            raise ScenarioError(number, f"'at' {entry.at:g} is before {parsed[-1].at:g} on line {parsed[-1].line}; "
                                        "lines must be in time order")
        parsed.append(entry)
    return tuple(parsed)


def check_bodies(lines: Sequence[ScenarioLine], *, now: datetime) -> tuple[int, ...]:
    """Run every body through `normalize` as if received at `now`; return the alert count of each line.

    Raises:
        ScenarioError: the first line whose body its source refuses, with the parser's reason.
            A body a parser crashed on passes, as receivers accept it (it would be dead-lettered).
    """
    counts = []
    for entry in lines:
        result = normalize(Envelope(entry.source, now, CONTENT_TYPE, entry.body, f"check-{entry.line}"))
        if result.refused:
            raise ScenarioError(entry.line, f"{entry.source} refuses the body: {result.error}")
        counts.append(len(result.alerts))
    return tuple(counts)


def schedule(lines: Sequence[ScenarioLine], *, now: datetime, speed: float) -> tuple[Due, ...]:
    """When each line is due if the replay starts at `now`: `now + at / speed`; `speed` 0 sends all at `now`.

    Raises:
        ValueError: `speed` is negative or not finite, or so small that a due time overflows.
    """
    if not (math.isfinite(speed) and speed >= 0):
        raise ValueError(f"speed must be a finite number ≥ 0, not {speed!r}")
    try:
        return tuple(
            Due(now + (timedelta(seconds=entry.at / speed) if speed else timedelta()), entry.source, entry.body, entry.line)
            for entry in lines
        )
    except OverflowError as exc:
        raise ValueError(f"speed {speed:g} is too small: due times overflow") from exc


def _parse_line(number: int, text: str) -> ScenarioLine:
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except (json.JSONDecodeError, _Refused) as exc:
        raise ScenarioError(number, f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ScenarioError(number, "must be a JSON object with 'at', 'source' and 'body'")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ScenarioError(number, f"unknown key {unknown[0]!r}; allowed keys are {', '.join(KEYS)}")
    missing = [key for key in KEYS if key not in data]
    if missing:
        raise ScenarioError(number, f"{missing[0]!r} is required")
    return ScenarioLine(number, _at(number, data["at"]), _source(number, data["source"]), _body(data["body"]))


def _at(number: int, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_AT_S:
        raise ScenarioError(number, f"'at' must be a number ≥ 0 (seconds from the start, at most {MAX_AT_S})")
    return float(value)


def _source(number: int, value: Any) -> str:
    if not isinstance(value, str) or value not in PARSERS:
        raise ScenarioError(number, f"'source' must be one of {', '.join(sorted(PARSERS))}, not {value!r}")
    return value


def _body(value: Any) -> str:
    # Re-encoded as compact UTF-8 JSON, as an HTTP sender would post it; the parser decides if it is valid.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _Refused(ValueError):
    """JSON that json.loads accepts but a scenario must not hold (duplicate keys, NaN, Infinity)."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _Refused(f"key {key!r} appears twice in one object")
        seen.add(key)
    return dict(pairs)


def _no_constants(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")
