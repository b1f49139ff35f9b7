"""Test data: small paging directories built in code (the YAML loader has its own tests)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from notify.directory import (
    ContactKind,
    ContactMethod,
    DailyWindow,
    Directory,
    EscalationLevel,
    EscalationPolicy,
    Group,
    Layer,
    NotificationRule,
    Person,
    PolicyRoute,
    RotationKind,
    Schedule,
    Target,
    TargetKind,
)


def person(person_id: str, phone: str, *, call_after: timedelta | None = timedelta(minutes=2), **extra) -> Person:
    """Someone reached by SMS at once and, unless `call_after` is None, by a call after it."""
    contacts = (ContactMethod("mobile", ContactKind.SMS, phone), ContactMethod("phone", ContactKind.VOICE, phone))
    rules = (NotificationRule("mobile"),) + ((NotificationRule("phone", call_after),) if call_after is not None else ())
    return Person(id=person_id, name=extra.pop("name", person_id), contacts=contacts, rules=rules, **extra)


def directory(*, empty_first_line: bool = False, quiet: bool = False, no_progress: timedelta | None = None) -> Directory:
    """一线 (a daily rotation of li.wei / chen.jie from 09:00 Shanghai), 二线 (a group), 三线 (the UPS vendor)."""
    first_line = Schedule(
        id="line1",
        name="一线",
        timezone="Asia/Shanghai",
        layers=(
            Layer(
                id="days",
                kind=RotationKind.DAILY,
                start=datetime(2026, 1, 1, 9, 0),
                participants=() if empty_first_line else ("li.wei", "chen.jie"),
            ),
        ),
    )
    people = {
        "li.wei": person("li.wei", "+8613800000001", name="李伟",
                         quiet_hours=DailyWindow(time(0, 0), time(23, 59)) if quiet else None),
        "chen.jie": person("chen.jie", "+8613800000002", name="陈杰"),
        "zhang.min": person("zhang.min", "+8613800000003", name="张敏", language="en"),
        "vendor": person("vendor", "+8613800000004", call_after=None, name="UPS vendor"),
        "duty": person("duty", "+8613800000005", call_after=None, name="值班经理"),
    }
    policy = EscalationPolicy(
        id="machine-room",
        name="机房",
        levels=(
            EscalationLevel((Target(TargetKind.SCHEDULE, "line1"),), timedelta(minutes=5)),
            EscalationLevel((Target(TargetKind.GROUP, "line2"),), timedelta(minutes=10)),
            EscalationLevel((Target(TargetKind.PERSON, "vendor"),), timedelta(minutes=15)),
        ),
        repeat=1,
        no_progress_after=no_progress,
    )
    power = EscalationPolicy(id="power", name="供电", levels=(EscalationLevel((Target(TargetKind.PERSON, "vendor"),), timedelta(minutes=5)),))
    return Directory(
        people=people,
        groups={"line2": Group("line2", "二线", ("zhang.min",))},
        schedules={"line1": first_line},
        policies={"machine-room": policy, "power": power},
        routes=(PolicyRoute("power", {"category": "power", "priority": "P1"}),),
        default_policy="machine-room",
        major_targets=(Target(TargetKind.PERSON, "duty"),),
    )
