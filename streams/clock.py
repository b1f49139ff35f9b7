"""Clocks (pure interface plus the one wall-clock reader): time is an input, never read inline.

Shells hold a `Clock`, read it once per message or timer cycle and pass `now` down;
tests hand in a `FakeClock` and advance it instead of sleeping.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current UTC time."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware UTC."""


class SystemClock:
    """The wall clock; the only place in the project that reads it."""

    def now(self) -> datetime:
        """Return the wall-clock time in UTC."""
        return datetime.now(timezone.utc)


@dataclass
class FakeClock:
    """A clock that moves only when told to, for tests and deterministic replays."""

    current: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=timezone.utc))

    def now(self) -> datetime:
        """Return the fake current time."""
        return self.current

    def advance(self, **delta: float) -> datetime:
        """Move time forward by a `timedelta(**delta)` and return the new time."""
        self.current += timedelta(**delta)
        return self.current


@lru_cache(maxsize=4096)
def parse_instant(text: str) -> datetime:
    """Parse an RFC 3339 / ISO 8601 timestamp into an aware UTC datetime.

    Cached: the alerts of a storm share a handful of instants (one envelope's receive time, the
    storm's start), and each stage decodes and encodes every alert's instants again.

    Raises:
        ValueError: if the text is not a timestamp or has no timezone.
    """
    value = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    if value.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no timezone; send UTC ('Z') or an offset")
    return value.astimezone(timezone.utc)


@lru_cache(maxsize=4096)
def format_instant(value: datetime) -> str:
    """Format an aware datetime as RFC 3339 UTC with milliseconds (cached, as `parse_instant`)."""
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
