"""`alertdesk oncall who|check` and `alertdesk paging validate` through typer's runner."""
from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from alertdesk.cli import app

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = str(REPO / "deploy/paging/example-dc1.yaml")
runner = CliRunner()


def test_who_at_an_instant_on_the_example():
    result = runner.invoke(app, ["oncall", "who", "-f", EXAMPLE, "--at", "2026-11-26T03:00+08:00"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "line1 一线值班 (Asia/Shanghai)",
        "  on call: 赵磊 (zhao.lei)",
        # 李伟's shift on the 26th is covered by 陈杰 (an override).
        "  next handoff: 2026-11-26 09:00 +0800 -> 陈杰 (chen.jie)",
        "line2 二线值班 (Asia/Shanghai)",
        "  on call: 王芳 (wang.fang)",
        "  next handoff: 2026-11-30 09:00 +0800 -> 张敏 (zhang.min)",
    ]


def test_who_until_lists_the_shifts_of_one_schedule_as_json():
    result = runner.invoke(app, [
        "oncall", "who", "-f", EXAMPLE, "--schedule", "line1", "--json",
        "--at", "2026-11-03T00:00Z", "--until", "2026-11-04T12:00+08:00",
    ])
    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)
    assert view["at"] == "2026-11-03T00:00:00+00:00"
    [line1] = view["schedules"]
    assert line1["on_call"] == [{"id": "li.wei", "name": "李伟"}]
    assert [(s["start"], [p["id"] for p in s["people"]]) for s in line1["shifts"]] == [
        ("2026-11-03T08:00:00+08:00", ["li.wei"]),
        ("2026-11-03T09:00:00+08:00", ["chen.jie"]),
        ("2026-11-04T09:00:00+08:00", ["zhao.lei"]),
    ]


def test_who_refuses_a_naive_instant_and_an_unknown_schedule():
    naive = runner.invoke(app, ["oncall", "who", "-f", EXAMPLE, "--at", "2026-11-26T03:00"])
    assert naive.exit_code == 2
    assert "has no UTC offset" in naive.output
    unknown = runner.invoke(app, ["oncall", "who", "-f", EXAMPLE, "--schedule", "line9"])
    assert unknown.exit_code == 1
    assert "unknown schedule 'line9' (expected one of: line1, line2)" in unknown.stderr


def test_who_without_files_answers_from_the_default_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no alertdesk.toml here
    result = runner.invoke(app, ["oncall", "who", "--at", "2026-11-26T03:00+08:00"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == ["on-call 值班 (Asia/Shanghai)", "  on call: 值班人员 (on-call)"]


def test_files_come_from_the_paging_files_setting(tmp_path, monkeypatch):
    config = tmp_path / "alertdesk.toml"
    config.write_text(f"paging_files = [{json.dumps(EXAMPLE)}]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["oncall", "who", "--schedule", "line2", "--at", "2026-11-26T03:00+08:00", "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert "  on call: 王芳 (wang.fang)" in result.stdout.splitlines()


def test_validate_a_good_file():
    result = runner.invoke(app, ["paging", "validate", EXAMPLE])
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 10 people, 2 groups, 2 schedules, 3 policies, 2 routes\n"


def test_validate_a_bad_file_lists_every_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "people:\n"
        "  - id: a\n"
        "    name: A\n"
        "    contacts: [{id: m, kind: sms, address: '138'}]\n"
        "policies:\n"
        "  - {id: p, name: P, levels: [{targets: [{person: b}], after: 5m}]}\n"
        "routing: {default_policy: p}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["paging", "validate", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "2 paging file error(s):",
        f"{bad}:4: person a, contact m: address '138' is not an E.164 number (expected + and 7-15 digits, e.g. \"+8613800000001\")",
        f"{bad}:6: policy p, level 1: unknown person 'b' (expected an id listed under people)",
    ]


def test_check_prints_warnings_and_exits_1(tmp_path):
    console_only = tmp_path / "paging.yaml"
    console_only.write_text(
        "people:\n"
        "  - {id: a, name: A, contacts: [{id: c, kind: console, address: a}]}\n"
        "schedules:\n"
        "  - {id: s, name: S, layers: [{id: l, rotation: daily, start: '2026-11-02T09:00', participants: [a]}]}\n"
        "policies:\n"
        "  - {id: p, name: P, levels: [{targets: [{schedule: s}], after: 5m}]}\n"
        "routing: {default_policy: p}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["oncall", "check", "-f", str(console_only), "--at", "2026-11-23T09:00+08:00"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "warning: person a: is only notified on the console, which wakes nobody (add sms or voice)"
    assert lines[-1] == "3 warning(s)"


def test_check_passes_on_the_example():
    result = runner.invoke(app, ["oncall", "check", "-f", EXAMPLE, "--at", "2026-11-23T09:00+08:00"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: no warnings\n"
