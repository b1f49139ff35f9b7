"""Pure: warnings about a valid directory that will fail someone "before it matters".

A paging file can be well-formed and still page nobody: a person whose only rule is the
console (nobody is woken up at 03:00), a rotation layer with no participants, a policy level
whose schedule has a hole next Sunday night. `check_directory` finds these with a given `now`
and names the person, group, schedule or policy and why. A person referenced nowhere is fine.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from notify.directory import ContactKind, Directory, EscalationLevel, Person, Schedule, TargetKind
from notify.schedules import Shift, shifts

#: How far ahead a schedule's holes are looked for.
LOOKAHEAD = timedelta(days=7)


class WarningReason(StrEnum):
    """Why the directory may fail to reach someone."""

    NO_CONTACTS = "no_contacts"
    NO_RULES = "no_rules"
    CONSOLE_ONLY = "console_only"
    UNREACHABLE_MEMBER = "unreachable_member"
    EMPTY_GROUP = "empty_group"
    EMPTY_LAYER = "empty_layer"
    NOBODY_ON_CALL = "nobody_on_call"


@dataclass(frozen=True)
class DirectoryWarning:
    """One risk: `subject` names what is affected ("person li.wei", "policy power, level 2")."""

    subject: str
    reason: WarningReason
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


def check_directory(directory: Directory, now: datetime) -> tuple[DirectoryWarning, ...]:
    """Every warning about `directory` at aware instant `now` (schedules are looked at for `LOOKAHEAD`).

    Raises:
        ValueError: `now` is naive, or a schedule is malformed (the loader never builds one).
    """
    problems = {pid: why for pid, person in directory.people.items() if (why := unreachable(person))}
    warnings = [
        DirectoryWarning(f"person {pid}", reason, text) for pid, (reason, text) in problems.items()
    ]
    for group in directory.groups.values():
        if not group.members:
            warnings.append(DirectoryWarning(f"group {group.id}", WarningReason.EMPTY_GROUP, "has no members"))
        warnings += _members(f"group {group.id}", group.members, problems)
    for schedule in directory.schedules.values():
        for layer in schedule.layers:
            if not layer.participants:
                warnings.append(DirectoryWarning(
                    f"schedule {schedule.id}, layer {layer.id}", WarningReason.EMPTY_LAYER,
                    "has no participants, so it never puts anyone on call",
                ))
        warnings += _members(f"schedule {schedule.id}", _schedule_people(schedule), problems)
    gaps: dict[str, tuple[Shift, ...]] = {}
    for policy in directory.policies.values():
        for number, level in enumerate(policy.levels, start=1):
            subject = f"policy {policy.id}, level {number}"
            warnings += _members(subject, _level_people(directory, level), problems)
            for target in level.targets:
                schedule = directory.schedules.get(target.id) if target.kind is TargetKind.SCHEDULE else None
                if schedule is None:
                    continue
                if schedule.id not in gaps:
                    gaps[schedule.id] = tuple(s for s in shifts(schedule, now, now + LOOKAHEAD) if not s.people)
                if gaps[schedule.id]:
                    warnings.append(DirectoryWarning(
                        subject, WarningReason.NOBODY_ON_CALL, _gap_text(schedule, gaps[schedule.id]),
                    ))
    return tuple(warnings)


def unreachable(person: Person) -> tuple[WarningReason, str] | None:
    """Why paging `person` would wake nobody, or None if some rule reaches a phone or a chat."""
    if not person.contacts:
        return WarningReason.NO_CONTACTS, "has no contact methods, so pages to them go nowhere"
    if not person.rules:
        return WarningReason.NO_RULES, "has no notification rules, so no contact method is ever used"
    kinds = {method.kind for rule in person.rules if (method := person.contact(rule.contact)) is not None}
    if kinds <= {ContactKind.CONSOLE}:
        return WarningReason.CONSOLE_ONLY, "is only notified on the console, which wakes nobody (add sms or voice)"
    return None


def _members(subject: str, people: tuple[str, ...], problems: dict[str, tuple[WarningReason, str]]) -> list[DirectoryWarning]:
    """One warning per included person who cannot be reached."""
    return [
        DirectoryWarning(subject, WarningReason.UNREACHABLE_MEMBER, f"includes {pid}, who {problems[pid][1]}")
        for pid in people if pid in problems
    ]


def _schedule_people(schedule: Schedule) -> tuple[str, ...]:
    """Everyone a schedule can put on call: layer participants and override people, each once."""
    people = [p for layer in schedule.layers for p in layer.participants]
    people += [override.person for override in schedule.overrides]
    return tuple(dict.fromkeys(people))


def _level_people(directory: Directory, level: EscalationLevel) -> tuple[str, ...]:
    """Everyone a level can page: people named, group members, and everyone its schedules can put on call."""
    people: list[str] = []
    for target in level.targets:
        if target.kind is TargetKind.PERSON:
            people.append(target.id)
        elif target.kind is TargetKind.GROUP and target.id in directory.groups:
            people += directory.groups[target.id].members
        elif target.kind is TargetKind.SCHEDULE and target.id in directory.schedules:
            people += _schedule_people(directory.schedules[target.id])
    return tuple(dict.fromkeys(people))


def _gap_text(schedule: Schedule, gaps: tuple[Shift, ...]) -> str:
    """"schedule line1 has nobody on call from … to …" in the schedule's own time zone."""
    zone = ZoneInfo(schedule.timezone)
    first = gaps[0]
    more = f" and {len(gaps) - 1} more time(s)" if len(gaps) > 1 else ""
    return (
        f"schedule {schedule.id} has nobody on call from {first.start.astimezone(zone):%Y-%m-%d %H:%M} "
        f"to {first.end.astimezone(zone):%Y-%m-%d %H:%M} ({schedule.timezone}){more} in the next "
        f"{LOOKAHEAD.days} days, so this level pages nobody from it then"
    )
