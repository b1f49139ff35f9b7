"""`alertdesk report summary|csv|monthly` straight from a migrated SQLite and PostgreSQL database."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from typer.testing import CliRunner

from alertdesk.cli import app
from incidents import actions
from incidents.store import apply_command
from streams.correlation.commands import CommandKind, IncidentFacts
from tests.incidents.builders import command

T0 = datetime(2026, 11, 3, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def env(migrated_db, db_url, tmp_path, monkeypatch) -> dict[str, str]:
    """One P1 incident in November 2026, acknowledged after 4 minutes and resolved after 50."""
    monkeypatch.chdir(tmp_path)  # no alertdesk.toml of the repository is read
    _, sessions = migrated_db
    with sessions.begin() as session:
        base = command(CommandKind.OPEN, "k1")
        cmd = replace(base, facts=IncidentFacts(priority="P1", major=True), alert=replace(base.alert, starts_at=T0))
        incident_id = apply_command(session=session, command=cmd, now=T0)[0].incident_id
        for action, minutes in ((actions.acknowledge, 4), (actions.resolve, 50)):
            action(session=session, incident_id=incident_id, actor="li.na", via="cli",
                   now=T0.replace(minute=minutes), request_id=f"r{minutes}")
    return {"ALERTDESK_DATABASE_URL": db_url}


def _run(env, *args):
    return CliRunner().invoke(app, ["report", *args], env=env)


def test_summary_json_for_a_month(env):
    result = _run(env, "summary", "--month", "2026-11", "--by", "line")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["total"]["count"], body["total"]["mtta"]["mean_s"], body["total"]["mttr"]["median_s"]) == (
        1, 240.0, 3000.0
    )
    assert [group["key"] for group in body["groups"]] == ["1"]


def test_csv_and_monthly_to_files(env, tmp_path):
    result = _run(env, "csv", "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-30T00:00:00Z",
                  "--out", str(tmp_path / "nov.csv"))
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO((tmp_path / "nov.csv").read_text("utf-8"))))
    assert (row["time_to_acknowledge_s"], row["time_to_resolve_s"], row["response_sla"]) == ("240", "3000", "met")
    result = _run(env, "monthly", "--month", "2026-11", "--lang", "en", "--out", str(tmp_path / "nov.html"))
    assert result.exit_code == 0, result.output
    page = (tmp_path / "nov.html").read_text("utf-8")
    assert "Monthly service report 2026-11" in page and "4m 00s" in page and "UPS trouble in g1" in page


def test_bad_options_exit_2_with_the_reason(env):
    assert "YYYY-MM" in _run(env, "summary", "--month", "11/2026").output
    both = _run(env, "csv", "--month", "2026-11", "--from", "2026-11-01T00:00:00Z")
    assert both.exit_code == 2 and "not both" in both.output
    by = _run(env, "summary", "--by", "colour")
    assert by.exit_code == 2 and "priority, category, service, line" in by.output
    assert _run(env, "monthly", "--lang", "fr").exit_code == 2
