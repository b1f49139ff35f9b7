"""Warnings "before it matters": unreachable people, empty groups and layers, holes in schedules."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from notify.default_directory import default_directory
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
    RotationKind,
    Schedule,
    Target,
    TargetKind,
)
from notify.directory_checks import DirectoryWarning, WarningReason, check_directory
from notify.directory_files import load_directory
from notify.schedules import on_call

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)  # Monday 09:00 in Shanghai
SMS = ContactMethod("mobile", ContactKind.SMS, "+8613800000001")
CONSOLE = ContactMethod("console", ContactKind.CONSOLE, "ops")


def person(pid: str, contacts=(SMS,), rules=(NotificationRule("mobile"),)) -> Person:
    return Person(id=pid, name=pid, contacts=tuple(contacts), rules=tuple(rules))


def directory(*, people, schedule_layers=None, groups=(), levels=None) -> Directory:
    """One schedule `line1` (a daily rotation of every person unless `schedule_layers`), one policy over it."""
    layers = schedule_layers or (
        Layer("main", RotationKind.DAILY, datetime(2026, 11, 2, 9, 0), tuple(p.id for p in people)),
    )
    schedule = Schedule("line1", "一线", "Asia/Shanghai", tuple(layers))
    levels = levels or (EscalationLevel((Target(TargetKind.SCHEDULE, "line1"),), timedelta(minutes=5)),)
    policy = EscalationPolicy("p", "policy", tuple(levels))
    return Directory(
        people={p.id: p for p in people}, groups={g.id: g for g in groups}, schedules={"line1": schedule},
        policies={"p": policy}, routes=(), default_policy="p",
    )


def test_the_example_has_no_warnings():
    example = load_directory([REPO / "deploy/paging/example-dc1.yaml"])
    assert check_directory(example, NOW) == ()


def test_a_reachable_team_has_no_warnings():
    assert check_directory(directory(people=[person("a"), person("b")]), NOW) == ()


@pytest.mark.parametrize(
    ("broken", "reason", "why"),
    [
        (person("b", contacts=(), rules=()), WarningReason.NO_CONTACTS, "has no contact methods"),
        (person("b", rules=()), WarningReason.NO_RULES, "has no notification rules"),
        (person("b", contacts=(SMS, CONSOLE), rules=(NotificationRule("console"),)), WarningReason.CONSOLE_ONLY,
         "is only notified on the console"),
    ],
)
def test_an_unreachable_person_is_named_where_they_are_used(broken, reason, why):
    warnings = check_directory(directory(people=[person("a"), broken], groups=[Group("g", "g", ("b",))]), NOW)
    assert [(w.subject, w.reason) for w in warnings] == [
        ("person b", reason),
        ("group g", WarningReason.UNREACHABLE_MEMBER),
        ("schedule line1", WarningReason.UNREACHABLE_MEMBER),
        ("policy p, level 1", WarningReason.UNREACHABLE_MEMBER),
    ]
    assert warnings[0].message.startswith(why)
    assert str(warnings[3]).startswith(f"policy p, level 1: includes b, who {why}")


def test_levels_count_people_named_directly_and_through_groups():
    people = [person("a"), person("vendor", contacts=())]
    levels = (
        EscalationLevel((Target(TargetKind.SCHEDULE, "line1"),), timedelta(minutes=5)),
        EscalationLevel((Target(TargetKind.GROUP, "g"),), timedelta(minutes=5)),
        EscalationLevel((Target(TargetKind.PERSON, "vendor"),), timedelta(minutes=5)),
    )
    layers = (Layer("main", RotationKind.DAILY, datetime(2026, 11, 2, 9, 0), ("a",)),)
    warnings = check_directory(
        directory(people=people, schedule_layers=layers, groups=[Group("g", "g", ("vendor",))], levels=levels), NOW
    )
    assert [w.subject for w in warnings] == ["person vendor", "group g", "policy p, level 2", "policy p, level 3"]


def test_empty_groups_and_layers():
    layers = (
        Layer("main", RotationKind.DAILY, datetime(2026, 11, 2, 9, 0), ("a",)),
        Layer("spare", RotationKind.WEEKLY, datetime(2026, 11, 2, 9, 0), (), shift=timedelta(days=7)),
    )
    warnings = check_directory(directory(people=[person("a")], schedule_layers=layers, groups=[Group("g", "g", ())]), NOW)
    assert warnings == (
        DirectoryWarning("group g", WarningReason.EMPTY_GROUP, "has no members"),
        DirectoryWarning("schedule line1, layer spare", WarningReason.EMPTY_LAYER,
                         "has no participants, so it never puts anyone on call"),
    )


def test_a_hole_in_the_next_seven_days_is_reported_in_local_time():
    office_hours = DailyWindow(time(9, 0), time(18, 0), (0, 1, 2, 3, 4))
    layers = (Layer("day", RotationKind.DAILY, datetime(2026, 11, 2, 9, 0), ("a",), active=office_hours),)
    warnings = check_directory(directory(people=[person("a")], schedule_layers=layers), NOW)
    assert [(w.subject, w.reason) for w in warnings] == [("policy p, level 1", WarningReason.NOBODY_ON_CALL)]
    assert warnings[0].message.startswith(
        "schedule line1 has nobody on call from 2026-11-23 18:00 to 2026-11-24 09:00 (Asia/Shanghai) and 4 more time(s)"
    )


def test_a_hole_beyond_seven_days_is_not_yet_reported():
    layers = (Layer("main", RotationKind.DAILY, datetime(2026, 11, 2, 9, 0), ("a",)),)
    base = directory(people=[person("a")], schedule_layers=layers)
    schedule = base.schedules["line1"]
    later = replace(schedule, layers=(*schedule.layers, replace(layers[0], id="x", start=datetime(2026, 12, 9, 9, 0))))
    assert check_directory(replace(base, schedules={"line1": later}), NOW) == ()


def test_the_default_directory_warns_that_the_console_wakes_nobody():
    plain = default_directory()
    assert on_call(plain.schedules["on-call"], NOW) == ("on-call",)
    assert plain.people["on-call"].contacts == (ContactMethod("console", ContactKind.CONSOLE, "on-call"),)
    assert {w.reason for w in check_directory(plain, NOW)} == {WarningReason.CONSOLE_ONLY, WarningReason.UNREACHABLE_MEMBER}


def test_the_default_directory_with_a_demo_phone():
    demo = default_directory(console_recipient="noc", demo_phone="+8613800000009")
    person_ = demo.people["on-call"]
    assert [c.kind for c in person_.contacts] == [ContactKind.CONSOLE, ContactKind.SMS, ContactKind.VOICE]
    assert person_.contacts[0].address == "noc"
    assert person_.rules[1:] == (NotificationRule("sms"), NotificationRule("voice", timedelta(minutes=2)))
    policy = demo.policies[demo.default_policy]
    assert (policy.id, policy.repeat, policy.levels[0].after) == ("default", 2, timedelta(minutes=5))
    assert demo.routes == () and demo.major_targets == ()
    assert check_directory(demo, NOW) == ()
    with pytest.raises(ValueError, match="E.164"):
        default_directory(demo_phone="13800000009")
