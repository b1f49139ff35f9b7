"""Pure: SLA targets per priority, which business calendar applies to an incident, and its deadlines.

ITIL: each priority has a response target (met by acknowledgement) and a resolution target
(met by resolve), counted in the working time of the incident's calendar from the moment it
opened. When the priority changes the deadlines are computed again from `opened_at` against the
new targets: the clock runs from the start, it does not restart.

Configuration (`sla_targets`, over the ITIL defaults in `DEFAULT_TARGETS`): `P1=15m/4h` is
"respond within 15 minutes, resolve within 4 hours". Durations take `h` and `m` only, counted in
the calendar's working time: a day would be ambiguous (24 hours, or one working day of 8?).

Which calendar: each of the incident's business services uses its `sla_service_calendars` entry;
a service without one (and an incident with no services) uses its category's
`sla_category_calendars` entry, else the default calendar (24x7 unless configured). When the
services disagree, the strictest calendar wins — the one whose resolution deadline comes first —
so a 5x8 HR portal never slows the clock of an outage that also hits a 24x7 service.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Iterable, Mapping

from incidents.sla.calendar import ALWAYS, TWENTY_FOUR_SEVEN, Calendar, add_business_time, parse_calendar

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
#: ITIL-style defaults, as `sla_targets` entries; configured entries replace these per priority.
DEFAULT_TARGETS = ("P1=15m/4h", "P2=30m/8h", "P3=2h/24h", "P4=8h/72h", "P5=24h/168h")
DEFAULT_WARNING_FRACTION = 0.8
_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?")
_TARGET_SHAPE = "'P1=15m/4h' (respond within 15 minutes, resolve within 4 hours)"


class SlaClock(StrEnum):
    """The two clocks of an incident; the value is the `detail` of SLA_WARNING / SLA_BREACHED events."""

    RESPONSE = "response"  # stopped by acknowledgement
    RESOLUTION = "resolution"  # stopped by resolve


@dataclass(frozen=True)
class Target:
    """Working time allowed to respond to and to resolve an incident of one priority."""

    response: timedelta
    resolution: timedelta


@dataclass(frozen=True)
class SlaPolicy:
    """The parsed SLA configuration (build it with `parse_policy`)."""

    targets: Mapping[str, Target]
    calendars: Mapping[str, Calendar] = field(default_factory=lambda: {ALWAYS: TWENTY_FOUR_SEVEN})
    service_calendars: Mapping[str, str] = field(default_factory=dict)
    category_calendars: Mapping[str, str] = field(default_factory=dict)
    default_calendar: str = ALWAYS
    warning_fraction: float = DEFAULT_WARNING_FRACTION


@dataclass(frozen=True)
class Deadlines:
    """An incident's SLA instants (aware UTC) and the calendar they were counted on."""

    calendar: str
    response_warn_at: datetime
    response_due_at: datetime
    resolution_warn_at: datetime
    resolution_due_at: datetime

    def of(self, clock: SlaClock) -> tuple[datetime, datetime]:
        """(warn at, due at) of one clock."""
        if clock is SlaClock.RESPONSE:
            return self.response_warn_at, self.response_due_at
        return self.resolution_warn_at, self.resolution_due_at


def deadlines(
    opened_at: datetime, priority: str, services: Iterable[str], category: str, policy: SlaPolicy
) -> Deadlines:
    """The deadlines of an incident opened at `opened_at` with this priority, services and category.

    Raises:
        ValueError: if the priority has no target, or `opened_at` is naive.
    """
    target = policy.targets.get(priority)
    if target is None:
        raise ValueError(f"priority {priority!r} has no SLA target (known: {', '.join(sorted(policy.targets))})")
    fallback = policy.category_calendars.get(category, policy.default_calendar)
    names = {policy.service_calendars.get(service, fallback) for service in services} or {fallback}
    candidates = [_deadlines_on(policy.calendars[name], opened_at, target, policy.warning_fraction) for name in names]
    return min(candidates, key=lambda found: (found.resolution_due_at, found.response_due_at, found.calendar))


def _deadlines_on(calendar: Calendar, opened_at: datetime, target: Target, fraction: float) -> Deadlines:
    def after(duration: timedelta) -> datetime:
        return add_business_time(calendar, opened_at, duration)

    return Deadlines(
        calendar=calendar.name,
        response_warn_at=after(target.response * fraction),
        response_due_at=after(target.response),
        resolution_warn_at=after(target.resolution * fraction),
        resolution_due_at=after(target.resolution),
    )


def parse_policy(
    *,
    targets: Iterable[str] = (),
    calendars: Iterable[str] = (),
    service_calendars: Iterable[str] = (),
    category_calendars: Iterable[str] = (),
    default_calendar: str = ALWAYS,
    warning_fraction: float = DEFAULT_WARNING_FRACTION,
) -> SlaPolicy:
    """Build the policy from the `sla_*` settings; targets not configured keep their defaults.

    Raises:
        ValueError: naming the setting and entry at fault (bad syntax, unknown priority or
            calendar, a name given twice, a warning fraction outside (0, 1)).
    """
    configured = _parse_targets(targets, "sla_targets")
    parsed_targets = {**_parse_targets(DEFAULT_TARGETS, "DEFAULT_TARGETS"), **configured}
    parsed_calendars: dict[str, Calendar] = {ALWAYS: TWENTY_FOUR_SEVEN}
    for entry in calendars:
        calendar = parse_calendar(entry)
        if calendar.name in parsed_calendars:
            raise ValueError(f"sla_calendars entry {entry!r}: calendar {calendar.name!r} is defined twice")
        parsed_calendars[calendar.name] = calendar
    if default_calendar not in parsed_calendars:
        raise ValueError(f"sla_default_calendar = {default_calendar!r} is not a calendar ({_known(parsed_calendars)})")
    if not 0 < warning_fraction < 1:
        raise ValueError(f"sla_warning_fraction = {warning_fraction} must be between 0 and 1 (e.g. 0.8)")
    return SlaPolicy(
        targets=parsed_targets,
        calendars=parsed_calendars,
        service_calendars=_parse_choices(service_calendars, "sla_service_calendars", "SERVICE", parsed_calendars),
        category_calendars=_parse_choices(category_calendars, "sla_category_calendars", "CATEGORY", parsed_calendars),
        default_calendar=default_calendar,
        warning_fraction=warning_fraction,
    )


def _parse_targets(entries: Iterable[str], setting: str) -> dict[str, Target]:
    parsed: dict[str, Target] = {}
    for entry in entries:
        priority, sep, rest = (part.strip() for part in entry.partition("="))
        response, slash, resolution = rest.partition("/")
        if not sep or not slash:
            raise ValueError(f"{setting} entry {entry!r} is not like {_TARGET_SHAPE}")
        if priority not in PRIORITIES:
            raise ValueError(f"{setting} entry {entry!r}: {priority!r} is not a priority ({', '.join(PRIORITIES)})")
        if priority in parsed:
            raise ValueError(f"{setting} entry {entry!r}: {priority} is given twice")
        target = Target(response=_duration(response, entry, setting), resolution=_duration(resolution, entry, setting))
        if target.response > target.resolution:
            raise ValueError(f"{setting} entry {entry!r}: the response target is longer than the resolution target")
        parsed[priority] = target
    return parsed


def _duration(text: str, entry: str, setting: str) -> timedelta:
    """`15m`, `4h`, `1h30m`: above zero, hours and minutes only (see the module docstring)."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None:
        raise ValueError(f"{setting} entry {entry!r}: {text!r} is not a duration like 15m, 4h or 1h30m")
    hours, minutes = (int(part or 0) for part in match.groups())
    duration = timedelta(hours=hours, minutes=minutes)
    if duration <= timedelta(0):
        raise ValueError(f"{setting} entry {entry!r}: {text!r} must be longer than zero")
    return duration


def _parse_choices(
    entries: Iterable[str], setting: str, what: str, calendars: Mapping[str, Calendar]
) -> dict[str, str]:
    """`NAME=CALENDAR` entries naming a known calendar, each name once."""
    parsed: dict[str, str] = {}
    for entry in entries:
        name, sep, calendar = (part.strip() for part in entry.partition("="))
        if not sep or not name or not calendar:
            raise ValueError(f"{setting} entry {entry!r} is not like '{what}=CALENDAR'")
        if calendar not in calendars:
            raise ValueError(f"{setting} entry {entry!r}: {calendar!r} is not a calendar ({_known(calendars)})")
        if name in parsed:
            raise ValueError(f"{setting} entry {entry!r}: {name!r} is given twice")
        parsed[name] = calendar
    return parsed


def _known(calendars: Mapping[str, Calendar]) -> str:
    return "known: " + ", ".join(sorted(calendars))


#: The policy with every default: ITIL targets on the 24x7 calendar.
DEFAULT_POLICY = parse_policy()
