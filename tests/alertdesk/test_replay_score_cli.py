"""`alertdesk replay --score` refuses what it cannot score before touching a broker or database."""
from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from alertdesk.cli import app

SUITE = Path(__file__).resolve().parents[1] / "scenarios"


def test_score_needs_a_scenario_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["replay", str(SUITE / "pdu-trip" / "alerts.jsonl"), "--score"])
    assert result.exit_code == 2
    assert "--score takes a scenario folder" in result.output


def test_a_bad_expected_yaml_is_named_and_nothing_is_sent(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    for name in ("topology.yaml", "alerts.jsonl"):
        (folder / name).write_text((SUITE / "pdu-trip" / name).read_text("utf-8"), "utf-8")
    (folder / "expected.yaml").write_text("site: sc-pdu\nincidents:\n  - {alerts: []}\n", "utf-8")
    result = CliRunner().invoke(app, ["replay", str(folder), "--score"])
    assert result.exit_code == 1
    assert f"{folder / 'expected.yaml'}: incidents[0]: 'root' is required" in result.output
    assert "nothing sent" in result.output
