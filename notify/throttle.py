"""Pure: per-contact-method rate limits — when may the next message go to this address?

GoAlert's defaults (1 a minute, 3 in 15 minutes, 20 in 3 hours) keep one storm from teaching a
person to ignore their phone; P1 pages are never held back (the dispatcher does not ask).
"""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

from notify.directory import RateLimit


def next_allowed(sent_at: Sequence[datetime], limits: Sequence[RateLimit], now: datetime) -> datetime | None:
    """None if a message may go now, else the earliest instant every limit allows one.

    Args:
        sent_at: when earlier messages to the same address and channel were sent (any order).
        limits: the rate limits; a limit with count < 1 is ignored.
        now: the evaluation time.
    """
    latest: datetime | None = None
    ordered = sorted(sent_at)
    for limit in limits:
        if limit.count < 1:
            continue
        recent = [instant for instant in ordered if instant > now - limit.per]
        if len(recent) < limit.count:
            continue
        allowed = recent[len(recent) - limit.count] + limit.per
        latest = allowed if latest is None or allowed > latest else latest
    return latest
