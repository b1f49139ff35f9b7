"""Pure: who can be paged and how — people, contact methods, notification rules, support groups,
on-call schedules, escalation policies and the routing of incidents to policies.

These are plain frozen values, read from the paging file (`notify/directory_files.py`) and
evaluated by pure functions (`notify/schedules.py` answers "who is on call at T",
`notify/escalation.py` walks a policy). An escalation policy is copied into the incident's
escalation row when the incident opens (`EscalationPolicy.to_dict`), so editing the file never
changes pages already in flight.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any, Mapping


class ContactKind(StrEnum):
    """How a contact method is reached; each kind is one channel of the pager."""

    SMS = "sms"
    VOICE = "voice"
    CONSOLE = "console"
    DINGTALK = "dingtalk"
    WECOM = "wecom"
    FEISHU = "feishu"


@dataclass(frozen=True)
class ContactMethod:
    """One way to reach a person: an E.164 number for sms/voice, a bot name for chat, a name for console."""

    id: str
    kind: ContactKind
    address: str


@dataclass(frozen=True)
class NotificationRule:
    """Use contact method `contact` this long after a page to the person starts (unless acknowledged)."""

    contact: str
    after: timedelta = timedelta(0)


@dataclass(frozen=True)
class DailyWindow:
    """A wall-clock window in some time zone, e.g. 23:00–07:00 (it wraps midnight when start > end).

    `days` restricts it to weekdays (0 = Monday … 6 = Sunday) on which the window *starts*;
    empty means every day.
    """

    start: time
    end: time
    days: tuple[int, ...] = ()


@dataclass(frozen=True)
class Person:
    """Someone who can be paged. `language` picks templates ("zh-CN" or "en")."""

    id: str
    name: str
    contacts: tuple[ContactMethod, ...]
    rules: tuple[NotificationRule, ...]
    language: str = "zh-CN"
    timezone: str = "Asia/Shanghai"
    quiet_hours: DailyWindow | None = None  # never applies to P1

    def contact(self, contact_id: str) -> ContactMethod | None:
        """The contact method named `contact_id`, if the person has it."""
        return next((method for method in self.contacts if method.id == contact_id), None)


@dataclass(frozen=True)
class Group:
    """A support group (一线 / 二线 / 三线, a vendor's engineers): paging it pages every member."""

    id: str
    name: str
    members: tuple[str, ...]


class RotationKind(StrEnum):
    """How long one shift of a rotation lasts."""

    DAILY = "daily"
    WEEKLY = "weekly"
    CUSTOM = "custom"  # `shift` gives the length, e.g. 12 h


@dataclass(frozen=True)
class Layer:
    """One rotation of a schedule: participants take turns, one shift each, handing off at `start`'s wall time.

    `start` is naive local wall time in the schedule's time zone: the first shift begins then,
    and every handoff happens at the same wall-clock time (across DST changes too). `active`
    restricts the layer to a daily window (e.g. office hours); outside it the layer has nobody.
    """

    id: str
    kind: RotationKind
    start: datetime
    participants: tuple[str, ...]
    shift: timedelta = timedelta(days=1)
    active: DailyWindow | None = None


@dataclass(frozen=True)
class Override:
    """`person` is on call from `start` to `end` (aware instants) instead of `replaces` (or of everyone, if None)."""

    start: datetime
    end: datetime
    person: str
    replaces: str | None = None


@dataclass(frozen=True)
class Schedule:
    """An on-call schedule: layers (a later layer wins wherever it has someone) plus overrides on top."""

    id: str
    name: str
    timezone: str
    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = ()


class TargetKind(StrEnum):
    """What an escalation level pages."""

    SCHEDULE = "schedule"
    PERSON = "person"
    GROUP = "group"


@dataclass(frozen=True)
class Target:
    """A schedule, person or group to page, by id."""

    kind: TargetKind
    id: str

    def to_dict(self) -> dict[str, str]:
        """Encode for a policy snapshot."""
        return {"kind": str(self.kind), "id": self.id}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Target":
        """Decode a policy snapshot."""
        return cls(kind=TargetKind(data["kind"]), id=data["id"])


@dataclass(frozen=True)
class EscalationLevel:
    """Page `targets`; if nobody acknowledges within `after`, go to the next level."""

    targets: tuple[Target, ...]
    after: timedelta


@dataclass(frozen=True)
class EscalationPolicy:
    """Ordered levels, walked `repeat` more times after the last one; `no_progress_after` escalates an
    acknowledged incident that has had no note or runbook step for that long (None = never)."""

    id: str
    name: str
    levels: tuple[EscalationLevel, ...]
    repeat: int = 0
    no_progress_after: timedelta | None = None

    def to_dict(self) -> dict[str, Any]:
        """The snapshot stored on the incident's escalation row (durations in seconds)."""
        return {
            "id": self.id,
            "name": self.name,
            "levels": [
                {"targets": [target.to_dict() for target in level.targets], "after_s": level.after.total_seconds()}
                for level in self.levels
            ],
            "repeat": self.repeat,
            "no_progress_after_s": None if self.no_progress_after is None else self.no_progress_after.total_seconds(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "EscalationPolicy":
        """Read a snapshot back."""
        no_progress = data.get("no_progress_after_s")
        return cls(
            id=data["id"],
            name=data["name"],
            levels=tuple(
                EscalationLevel(
                    targets=tuple(Target.from_dict(target) for target in level["targets"]),
                    after=timedelta(seconds=level["after_s"]),
                )
                for level in data["levels"]
            ),
            repeat=int(data.get("repeat", 0)),
            no_progress_after=None if no_progress is None else timedelta(seconds=no_progress),
        )


@dataclass(frozen=True)
class PolicyRoute:
    """Incidents whose fields equal every `match` value use `policy` (first matching route wins).

    Matchable fields: site, category, priority, major ("true"/"false"), root_kind, service (any of
    the incident's business services).
    """

    policy: str
    match: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RateLimit:
    """At most `count` messages per contact method within `per` (P1 is never held back)."""

    count: int
    per: timedelta


#: GoAlert's per-contact-method defaults: 1 a minute, 3 in 15 minutes, 20 in 3 hours.
DEFAULT_RATE_LIMITS: tuple[RateLimit, ...] = (
    RateLimit(1, timedelta(minutes=1)),
    RateLimit(3, timedelta(minutes=15)),
    RateLimit(20, timedelta(hours=3)),
)


@dataclass(frozen=True)
class Directory:
    """Everything the pager needs to know about people; ids are unique within each mapping."""

    people: Mapping[str, Person]
    groups: Mapping[str, Group]
    schedules: Mapping[str, Schedule]
    policies: Mapping[str, EscalationPolicy]
    routes: tuple[PolicyRoute, ...]
    default_policy: str
    major_targets: tuple[Target, ...] = ()
    rate_limits: tuple[RateLimit, ...] = DEFAULT_RATE_LIMITS
