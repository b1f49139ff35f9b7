"""`alertdesk silence …` and `alertdesk maintenance …` against a migrated SQLite and PostgreSQL database."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from alertdesk.cli import app


@pytest.fixture
def run(db_url, migrated_db, tmp_path, monkeypatch):
    """Run an `alertdesk` command line on the test database; return (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args), env={"ALERTDESK_DATABASE_URL": db_url})
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_silence_add_list_expire(run):
    code, out, _ = run(
        "silence", "add", 'alertname=~"Temp.*"', "site=dc1", "--duration", "2h", "--by", "zhang.wei",
        "--comment", "更换传感器",
    )
    assert code == 0
    silence_id = out.strip()
    code, out, _ = run("silence", "list")
    assert code == 0
    assert silence_id in out and 'alertname=~"Temp.*" site="dc1"' in out and "更换传感器" in out and "active" in out

    code, out, _ = run("silence", "expire", silence_id, "--by", "wang.fang")
    assert (code, out.strip()) == (0, f"silence {silence_id} expired by wang.fang")
    assert json.loads(run("silence", "list", "--json")[1]) == []
    [expired] = json.loads(run("silence", "list", "--all", "--json")[1])
    assert (expired["id"], expired["status"]["state"], expired["expiredBy"]) == (silence_id, "expired", "wang.fang")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["site"], "expected an operator"),
        (['team!="db"'], "at least one matcher must not match the empty string"),
        (["site=dc1", "--duration", "2 hours"], "duration: '2 hours' is not like 2h"),
        (["site=dc1", "--comment", " "], "comment: expected a non-empty string"),
    ],
)
def test_silence_add_refuses_bad_input_with_exit_2(run, args, message):
    base = ["--by", "zhang.wei", "--comment", "why"]
    code, _, err = run("silence", "add", *base, *args)
    assert code == 2
    assert message in err


def test_expiring_an_unknown_silence_exits_1(run):
    code, _, err = run("silence", "expire", "nope", "--by", "a")
    assert (code, err.strip()) == (1, "silence nope not found")


def test_maintenance_add_weekly_in_shanghai_then_list_and_cancel(run):
    code, out, _ = run(
        "maintenance", "add", "--component", "ups-1", "--component", "pdu-2", "--start", "2030-03-04T02:00",
        "--duration", "4h", "--every", "weekly", "--weekdays", "mon,thu", "--until", "2030-12-31",
        "--tz", "Asia/Shanghai", "--by", "li.na", "--reason", "UPS 保养",
    )
    assert code == 0
    window_id, *occurrences = out.strip().splitlines()
    # Monday 4 March 2030 02:00 in Shanghai is Sunday 18:00 UTC; then Thursday, then Monday.
    assert [line.strip() for line in occurrences] == [
        "2030-03-03T18:00:00.000Z .. 2030-03-03T22:00:00.000Z",
        "2030-03-06T18:00:00.000Z .. 2030-03-06T22:00:00.000Z",
        "2030-03-10T18:00:00.000Z .. 2030-03-10T22:00:00.000Z",
    ]
    code, out, _ = run("maintenance", "list")
    assert code == 0 and window_id in out and "scheduled" in out and "ups-1,pdu-2" in out and "weekly" in out
    [listed] = json.loads(run("maintenance", "list", "--json")[1])
    assert listed["recurrence"] == {"frequency": "weekly", "weekdays": ["mon", "thu"], "until": "2030-12-31"}

    assert run("maintenance", "cancel", window_id, "--by", "li.na")[0] == 0
    assert json.loads(run("maintenance", "list", "--json")[1]) == []
    assert json.loads(run("maintenance", "list", "--all", "--json")[1])[0]["state"] == "cancelled"


def test_weekly_without_weekdays_repeats_on_the_start_day(run):
    code, out, _ = run(
        "maintenance", "add", "--component", "core-1", "--start", "2030-03-05T23:00:00+08:00", "--duration", "1h",
        "--every", "weekly", "--by", "li.na", "--reason", "core switch upgrade",
    )
    assert code == 0
    assert [line.split()[0] for line in out.strip().splitlines()[1:]] == [
        "2030-03-05T15:00:00.000Z", "2030-03-12T15:00:00.000Z", "2030-03-19T15:00:00.000Z"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --duration (like 4h) or --end"),
        (["--duration", "4h", "--tz", "Asia/Shanghia"], "unknown IANA time zone 'Asia/Shanghia'"),
        (["--duration", "4h", "--every", "hourly"], "recurrence.frequency: 'hourly' is not daily or weekly"),
        (["--duration", "4h", "--every", "weekly", "--weekdays", "mo"], "'mo' is not one of"),
    ],
)
def test_maintenance_add_refuses_bad_input_with_exit_2(run, args, message):
    base = ["--component", "ups-1", "--start", "2030-03-04T02:00", "--by", "li.na", "--reason", "r"]
    code, _, err = run("maintenance", "add", *base, *args)
    assert code == 2
    assert message in err
