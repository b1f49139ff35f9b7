"""End to end on `alertdesk up` (embedded broker, SQLite): an alert's incident starts its runbook through
`incidents.events`, and a drill is run from the CLI, signed off step by step, and reported."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alertdesk.cli import app
from tests.e2e.harness import Pipeline, prometheus_alert, wait_for

pytestmark = pytest.mark.broker


@pytest.fixture
def pipeline(tmp_path: Path):
    env = {
        "ALERTDESK_DATA_DIR": str(tmp_path / "var"),
        "ALERTDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'alertdesk.db'}",
        "ALERTDESK_LOG_LEVEL": "warning",
    }
    with Pipeline(workdir=tmp_path, env=env) as running:
        yield running


def cli(pipeline: Pipeline, *args: str) -> str:
    """Run `alertdesk ARGS --url <child>` with the child's CLI token; fail on a non-zero exit."""
    result = CliRunner().invoke(app, [*args, "--url", pipeline.url], env={"ALERTDESK_DATA_DIR": str(pipeline.data_dir)})
    assert result.exit_code == 0, result.output
    return result.output


def test_an_ups_alert_starts_the_ups_runbook_through_the_broker(pipeline):
    assert pipeline.post("/api/v2/alerts", [prometheus_alert("UPSOnBattery", site="dc9", instance="ups-9")]).status_code == 200
    incident = wait_for(lambda: next(iter(pipeline.incidents()), None), timeout=60, what="the UPS incident")

    def started():
        listed = pipeline.get(f"/api/incidents/{incident['id']}/runbooks").json()["executions"]
        return [e for e in listed if e["runbook_id"] == "ups-on-battery"]

    (execution,) = wait_for(started, timeout=30, what="the ups-on-battery runbook to start")
    assert execution["status"] == "running" and execution["current_step"] == "read-ups"
    timeline = pipeline.get(f"/api/incidents/{incident['id']}").json()["timeline"]
    assert any(entry["kind"] == "runbook_started" and "ups-on-battery" in entry["detail"] for entry in timeline)
    panel = pipeline.get(f"/incidents/{incident['id']}/runbook-panel").text
    assert "读取 UPS 状态" in panel


def test_a_drill_from_the_cli_ends_with_its_report(pipeline):
    started = cli(pipeline, "runbook", "drill", "water-leak", "--participants", "li.wei,wang.fang", "--by", "li.wei")
    execution_id = re.search(r"execution (\d+)", started).group(1)
    for step_id, extra in (
        ("safety-first", ()), ("locate-leak", ()), ("stop-water", ()), ("threatened-equipment", ("--choice", "no")),
        ("dry-out", ("--note", "humidity 52 %")),
    ):
        cli(pipeline, "runbook", "step", execution_id, step_id, "complete", "--by", "li.wei", *extra)
    report = cli(pipeline, "runbook", "drill", "--report", execution_id, "--lang", "en")
    assert f"Drill report, execution #{execution_id}, runbook water-leak (completed)" in report
    assert "participants: li.wei, wang.fang" in report
    rows = {line[:28].strip(): line[28:].split() for line in report.splitlines()}
    assert rows["De-energise threatened equip"][0] == "skipped"  # the decision "no threat" jumped over it
    assert rows["Clean up and dry"][:2] == ["done", "60m00s"]
    page = pipeline.get(f"/runbooks/drills/{execution_id}")
    assert page.status_code == 200 and "演练报告" in page.text
