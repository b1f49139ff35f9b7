"""The paging file loader: the shipped example loads, and every kind of mistake is reported at its line."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from notify.directory import (
    DEFAULT_RATE_LIMITS,
    ContactKind,
    DailyWindow,
    NotificationRule,
    RateLimit,
    RotationKind,
    Target,
    TargetKind,
)
from notify.directory_files import DirectoryError, load_directory, parse_directory
from notify.directory_format import FormatError, parse_duration
from notify.schedules import on_call

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "deploy/paging/example-dc1.yaml"

# A small valid file; the error tests below edit one line of it at a time (line numbers matter).
BASE = """\
people:
  - id: li.wei
    name: 李伟
    contacts:
      - {id: mobile, kind: sms, address: "+8613800000001"}
      - {id: phone, kind: voice, address: "+8613800000001"}
    rules:
      - {contact: mobile, after: 0m}
      - {contact: phone, after: 2m}
  - id: chen.jie
    name: 陈杰
    contacts:
      - {id: mobile, kind: sms, address: "+8613800000002"}
groups:
  - {id: line2, name: 二线, members: [chen.jie]}
schedules:
  - id: line1
    name: 一线值班
    timezone: Asia/Shanghai
    layers:
      - id: main
        rotation: daily
        start: "2026-11-02T09:00"
        participants: [li.wei, chen.jie]
    overrides:
      - {start: "2026-11-25T09:00+08:00", end: "2026-11-26T09:00+08:00", person: chen.jie, replaces: li.wei}
policies:
  - id: machine-room
    name: 机房值班升级
    repeat: 1
    levels:
      - targets: [{schedule: line1}]
        after: 5m
      - targets: [{group: line2}]
        after: 10m
routing:
  default_policy: machine-room
  routes:
    - {match: {category: power}, policy: machine-room}
  major: [{person: li.wei}]
"""


def edited(**lines: str) -> str:
    """BASE with line N (keyword `lN`) replaced."""
    rows = BASE.splitlines()
    for key, text in lines.items():
        rows[int(key[1:]) - 1] = text
    return "\n".join(rows) + "\n"


def errors_of(text: str, source: str = "paging.yaml") -> tuple[str, ...]:
    with pytest.raises(DirectoryError) as caught:
        parse_directory(text, source)
    return caught.value.errors


def test_the_example_loads():
    directory = load_directory([EXAMPLE])
    assert len(directory.people) == 10
    assert set(directory.groups) == {"vendor-ups", "vendor-ac"}
    assert set(directory.policies) == {"power", "cooling", "machine-room"}
    assert directory.default_policy == "machine-room"
    assert [r.match for r in directory.routes] == [{"category": "power"}, {"category": "cooling"}]
    assert directory.major_targets == (Target(TargetKind.PERSON, "duty.manager"), Target(TargetKind.PERSON, "incident.commander"))
    assert directory.policies["power"].levels[2].targets[0] == Target(TargetKind.GROUP, "vendor-ups")
    assert directory.policies["power"].no_progress_after == timedelta(minutes=30)
    line1 = directory.schedules["line1"]
    # 2026-11-03 is the second day of the rotation; 03:00 local is before the 09:00 handoff.
    assert on_call(line1, datetime(2026, 11, 3, 3, 0, tzinfo=timezone(timedelta(hours=8)))) == ("li.wei",)
    assert on_call(line1, datetime(2026, 11, 26, 12, 0, tzinfo=timezone(timedelta(hours=8)))) == ("chen.jie",)
    assert directory.schedules["line2"].layers[0].shift == timedelta(days=7)


def test_a_valid_file_becomes_the_contract_types():
    directory = parse_directory(BASE, "paging.yaml")
    li = directory.people["li.wei"]
    assert li.language == "zh-CN" and li.timezone == "Asia/Shanghai"
    assert li.contacts[0].kind is ContactKind.SMS
    assert li.rules == (NotificationRule("mobile"), NotificationRule("phone", timedelta(minutes=2)))
    # Without rules every contact method is used at once, in the order listed.
    assert directory.people["chen.jie"].rules == (NotificationRule("mobile"),)
    layer = directory.schedules["line1"].layers[0]
    assert (layer.kind, layer.start, layer.shift) == (RotationKind.DAILY, datetime(2026, 11, 2, 9, 0), timedelta(days=1))
    override = directory.schedules["line1"].overrides[0]
    assert override.start == datetime(2026, 11, 25, 1, 0, tzinfo=timezone.utc) and override.replaces == "li.wei"
    assert directory.policies["machine-room"].repeat == 1
    assert directory.rate_limits == DEFAULT_RATE_LIMITS


def test_optional_fields_windows_limits_and_custom_rotations():
    text = edited(
        l3="    name: 李伟\n    language: en\n    timezone: Europe/London\n"
           "    quiet_hours: {from: 23:00, to: \"07:00\", days: [fri, sat]}",
        l22="        rotation: custom\n        shift: 12h\n"
            "        active: {from: \"09:00\", to: \"18:00\", days: [mon, tue]}",
    ) + "limits:\n  - {count: 2, per: 1h30m}\n"
    directory = parse_directory(text, "paging.yaml")
    li = directory.people["li.wei"]
    assert (li.language, li.timezone) == ("en", "Europe/London")
    # An unquoted 23:00 is a clock time, not YAML 1.1's base-60 integer 1380.
    assert li.quiet_hours == DailyWindow(time(23, 0), time(7, 0), (4, 5))
    layer = directory.schedules["line1"].layers[0]
    assert (layer.kind, layer.shift) == (RotationKind.CUSTOM, timedelta(hours=12))
    assert layer.active == DailyWindow(time(9, 0), time(18, 0), (0, 1))
    assert directory.rate_limits == (RateLimit(2, timedelta(hours=1, minutes=30)),)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ({"l3": "    nmae: 李伟"}, "paging.yaml:3: person li.wei: unknown key 'nmae' (expected one of id, name,"),
        ({"l3": "    language: fr"}, "paging.yaml:2: person li.wei: missing 'name' (expected keys id, name)"),
        ({"l5": '      - {id: mobile, kind: sms, address: "13800000001"}'},
         "paging.yaml:5: person li.wei, contact mobile: address '13800000001' is not an E.164 number"),
        ({"l6": '      - {id: phone, kind: voice, address: "+0861"}'}, "paging.yaml:6: person li.wei, contact phone: address '+0861'"),
        ({"l6": '      - {id: phone, kind: pager, address: "x"}'}, "paging.yaml:6: person li.wei, contact phone: unknown kind 'pager'"),
        ({"l6": '      - {id: mobile, kind: voice, address: "+8613800000001"}'}, "paging.yaml:6: person li.wei: duplicate contact id 'mobile'"),
        ({"l9": "      - {contact: pager, after: 2m}"},
         "paging.yaml:9: person li.wei, rule for pager: unknown contact 'pager' (expected one of this person's contacts: mobile, phone)"),
        ({"l9": "      - {contact: phone, after: -2m}"}, "paging.yaml:9: person li.wei, rule for phone: after: '-2m' is negative"),
        ({"l9": "      - {contact: phone, after: 2}"}, "paging.yaml:9: person li.wei, rule for phone: after: '2' is not a duration — add a unit"),
        ({"l9": "      - {contact: phone}"}, "paging.yaml:9: person li.wei, rule for phone: missing 'after'"),
        ({"l15": "  - {id: line2, name: 二线, members: [chen.jei]}"},
         "paging.yaml:15: group line2: unknown person 'chen.jei' (did you mean 'chen.jie'? expected an id listed under people)"),
        ({"l19": "    timezone: Asia/Beijing"}, "paging.yaml:19: schedule line1: timezone: unknown time zone 'Asia/Beijing'"),
        ({"l22": "        rotation: custom"}, "paging.yaml:21: schedule line1, layer main: rotation custom needs a shift (expected e.g. shift: 12h)"),
        ({"l22": "        rotation: custom\n        shift: 30m"},
         "paging.yaml:23: schedule line1, layer main: shift 30m is too short (expected 1h or more)"),
        ({"l22": "        rotation: daily\n        shift: 12h"},
         "paging.yaml:23: schedule line1, layer main: shift only applies to rotation custom (a daily shift is 1d)"),
        ({"l3": '    name: 李伟\n    quiet_hours: {from: "25:00", to: "07:00", days: [mon, funday]}'},
         "paging.yaml:4: person li.wei, quiet_hours: from: got '25:00' (expected a time of day"),
        ({"l3": '    name: 李伟\n    quiet_hours: {from: "23:00", to: "07:00", days: [mon, funday]}'},
         "paging.yaml:4: person li.wei, quiet_hours: days: unknown weekday 'funday' (expected mon, tue,"),
        ({"l40": "  major: []\nlimits:\n  - {count: 0, per: 1m}"},
         "paging.yaml:42: limits: count 0 (expected a whole number, 1 or more)"),
        ({"l40": "  major: []\nlimits:\n  - {count: 1, per: 0s}"}, "paging.yaml:42: limits: per: '0s' is zero"),
        ({"l22": "        rotation: monthly"}, "paging.yaml:22: schedule line1, layer main: unknown rotation 'monthly'"),
        ({"l23": '        start: "2026-11-02T09:00+08:00"'}, "paging.yaml:23: schedule line1, layer main: start: '2026-11-02T09:00+08:00' has a UTC offset"),
        ({"l24": "        participants: [li.wei, nobody]"}, "paging.yaml:24: schedule line1, layer main: unknown person 'nobody'"),
        ({"l26": '      - {start: "2026-11-25T09:00", end: "2026-11-26T09:00+08:00", person: chen.jie}'},
         "paging.yaml:26: schedule line1, override: start: '2026-11-25T09:00' has no UTC offset"),
        ({"l26": '      - {start: "2026-11-25T09:00+08:00", end: "2026-11-25T09:00+08:00", person: chen.jie}'},
         "paging.yaml:26: schedule line1, override: end 2026-11-25T09:00:00+08:00 is not after start"),
        ({"l26": '      - {start: "2026-11-25T09:00+08:00", end: "2026-11-26T09:00+08:00", person: wang}'},
         "paging.yaml:26: schedule line1, override: unknown person 'wang'"),
        ({"l32": "      - targets: [{schedule: line9}]"}, "paging.yaml:32: policy machine-room, level 1: unknown schedule 'line9'"),
        ({"l34": "      - targets: [{group: line3}]"}, "paging.yaml:34: policy machine-room, level 2: unknown group 'line3'"),
        ({"l34": "      - targets: [{team: line2}]"}, "paging.yaml:34: policy machine-room, level 2: target {'team': 'line2'} (expected exactly one of"),
        ({"l35": "        after: -10m"}, "paging.yaml:35: policy machine-room, level 2: after: '-10m' is negative"),
        ({"l31": "    levels: []", "l32": "", "l33": "", "l34": "", "l35": ""}, "paging.yaml:31: policy machine-room: no levels (expected at least one level"),
        ({"l30": "    repeat: -1"}, "paging.yaml:30: policy machine-room: repeat -1 (expected a whole number, 0 or more)"),
        ({"l37": "  default_policy: machine_room"},
         "paging.yaml:37: routing default_policy: unknown policy 'machine_room' (did you mean 'machine-room'?"),
        ({"l39": "    - {match: {category: power}, policy: power}"}, "paging.yaml:39: routing, route 1: unknown policy 'power'"),
        ({"l39": "    - {match: {colour: red}, policy: machine-room}"}, "paging.yaml:39: routing, route 1, match: unknown key 'colour'"),
        ({"l40": "  major: [{person: duty.manager}]"}, "paging.yaml:40: routing major: unknown person 'duty.manager'"),
        ({"l10": "  - id: li.wei"}, "paging.yaml:10: duplicate person id 'li.wei' (first defined at paging.yaml:2"),
        ({"l3": "    name:"}, "paging.yaml:3: person li.wei: 'name' is empty (expected a value or no 'name' at all)"),
        ({"l35": "        after:"}, "paging.yaml:35: policy machine-room, level 2: 'after' is empty"),
        ({"l1": "peoples:"}, "paging.yaml:1: unknown top-level key 'peoples' (expected people, groups, schedules"),
        ({"l2": "  - id: li wei"}, "paging.yaml:2: person: id 'li wei' contains spaces"),
    ],
)
def test_each_mistake_is_reported_at_its_line(lines, expected):
    errors = errors_of(edited(**lines))
    assert any(error.startswith(expected) for error in errors), errors


def test_every_error_is_listed_at_once():
    text = edited(
        l5='      - {id: mobile, kind: sms, address: "138"}',
        l15="  - {id: line2, name: 二线, members: [ghost]}",
        l22="        rotation: custom",
        l35="        after: -10m",
    )
    errors = errors_of(text)
    assert [error.split(":")[1] for error in errors] == ["5", "21", "35", "15"]
    with pytest.raises(DirectoryError, match=r"^4 paging file error\(s\):\npaging.yaml:5: "):
        parse_directory(text, "paging.yaml")


def test_not_yaml_not_a_mapping_and_no_routing():
    assert errors_of("people: [\n  - id: x\n")[0].startswith("paging.yaml:2: not valid YAML")
    assert errors_of("- just\n- a list\n") == ("paging.yaml:1: a paging file is a mapping (expected keys people, groups, schedules, policies, routing, limits)",)
    no_routing = "\n".join(BASE.splitlines()[:35]) + "\n"
    assert errors_of(no_routing) == ("paging.yaml:1: no 'routing' section in any file (expected routing: {default_policy: POLICY_ID})",)


def test_a_key_written_twice_is_an_error():
    errors = errors_of(edited(l3="    name: 李伟\n    name: 李伟伟"))
    assert "paging.yaml:2: person li.wei: key 'name' is written twice (expected each key once)" in errors


def test_several_files_merge_and_refer_to_each_other(tmp_path):
    people, rest = BASE.split("groups:\n")
    (tmp_path / "people.yaml").write_text(people, encoding="utf-8")
    (tmp_path / "paging.yml").write_text("groups:\n" + rest, encoding="utf-8")
    directory = load_directory([tmp_path / "people.yaml", tmp_path / "paging.yml"])
    assert set(directory.people) == {"li.wei", "chen.jie"} and set(directory.schedules) == {"line1"}


def test_a_duplicate_id_across_files_names_both(tmp_path):
    (tmp_path / "a.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("people:\n  - {id: chen.jie, name: 另一个陈杰}\nroutes: []\n", encoding="utf-8")
    with pytest.raises(DirectoryError) as caught:
        load_directory([tmp_path / "a.yaml", tmp_path / "b.yaml"])
    b, a = tmp_path / "b.yaml", tmp_path / "a.yaml"
    assert caught.value.errors == (
        f"{b}:3: unknown top-level key 'routes' (expected people, groups, schedules, policies, routing, limits)",
        f"{b}:2: duplicate person id 'chen.jie' (first defined at {a}:10; ids must be unique)",
    )


def test_unreadable_and_wrongly_named_files(tmp_path):
    with pytest.raises(DirectoryError) as caught:
        load_directory([tmp_path / "missing.yaml", tmp_path / "paging.toml"])
    assert caught.value.errors[0].startswith(f"{tmp_path / 'missing.yaml'}:1: cannot read:")
    assert caught.value.errors[1] == f"{tmp_path / 'paging.toml'}:1: unknown file type '.toml' (expected .yaml or .yml)"
    with pytest.raises(DirectoryError, match="no paging files given"):
        load_directory([])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30s", timedelta(seconds=30)), ("5m", timedelta(minutes=5)), ("2h", timedelta(hours=2)),
     ("1d", timedelta(days=1)), ("1h30m", timedelta(minutes=90)), ("0m", timedelta(0)), (0, timedelta(0))],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["5", "m", "", "5x", "30m1h", "-5m", True, 1.5])
def test_bad_durations(text):
    with pytest.raises(FormatError):
        parse_duration(text)
