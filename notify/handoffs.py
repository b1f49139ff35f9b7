"""Pure: which shift handoffs to announce, to whom, and how their notice reads — planned ahead from the schedules.

The incoming on-call engineer should hear "your shift starts" when it starts, even if no worker
happens to be looking at that second; so the timer loop plans every handoff from `now - grace` to
`now + LOOKAHEAD` into outbox rows due at the handoff instant (durable timers, keyed per schedule,
instant and person so several workers insert each once). A person already on call before the
handoff (a layer change that keeps them) gets nothing. The grace looks back so a worker restarted
shortly after a handoff still plans it; the dispatcher drops a notice older than the grace
(`missed_handoff`): a shift that began while every pager was down is not announced hours late.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo

from notify.directory import Directory
from notify.schedules import MAX_RANGE, next_handoff
from streams.clock import format_instant

#: How far ahead handoffs are planned; the planner runs more often than this (PLAN_EVERY).
LOOKAHEAD = timedelta(minutes=10)
#: How often the timer loop plans: handoffs are hours apart, so once a minute is plenty.
PLAN_EVERY = timedelta(minutes=1)
# Overrides can stack several changes into one window; this bounds the walk per schedule and run.
_MAX_HANDOFFS_PER_SCHEDULE = 16


@dataclass(frozen=True)
class HandoffNotice:
    """Tell `person` that from `at` they are on call in schedule `schedule_id` (until `ends`, if known)."""

    schedule_id: str
    schedule_name: str
    at: datetime
    ends: datetime | None
    person: str
    previous: tuple[str, ...]

    @property
    def subject(self) -> str:
        """What the notice is about, unique per schedule and instant: part of the outbox key."""
        return f"{self.schedule_id}@{format_instant(self.at)}"


def handoffs_between(directory: Directory, start: datetime, end: datetime) -> tuple[HandoffNotice, ...]:
    """One notice per person coming on call in any schedule at a handoff in (`start`, `end`]."""
    notices: list[HandoffNotice] = []
    for schedule in directory.schedules.values():
        after = start
        for _ in range(_MAX_HANDOFFS_PER_SCHEDULE):
            handoff = next_handoff(schedule, after)
            if handoff is None or handoff.at > end:
                break
            following = next_handoff(schedule, handoff.at)
            notices.extend(
                HandoffNotice(
                    schedule_id=schedule.id,
                    schedule_name=schedule.name,
                    at=handoff.at,
                    ends=following.at if following is not None else None,
                    person=person,
                    previous=handoff.outgoing,
                )
                for person in handoff.incoming
                if person not in handoff.outgoing
            )
            after = handoff.at
    return tuple(notices)


def handoff_context(
    notice: HandoffNotice, *, timezone: str, open_count: int, name_of: Callable[[str], str]
) -> Mapping[str, Any]:
    """The `handoff` template's variables: times in the reader's zone, the people handing over by name."""
    zone = ZoneInfo(timezone)
    # No change within a year (one person, no overrides): say when the look-ahead ends rather than nothing.
    ends = notice.ends or notice.at + MAX_RANGE
    return {
        "incident_id": None,
        "schedule": notice.schedule_name,
        "starts": _local(notice.at, zone),
        "ends": _local(ends, zone),
        "previous": ", ".join(name_of(person) for person in notice.previous),
        "open_count": open_count,
        "drill": False,
    }


def _local(at: datetime, zone: ZoneInfo) -> str:
    """`2026-11-26 09:00` in `zone`."""
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
