"""`alertdesk topology validate|load|show` through typer's runner and the installed console script."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alertdesk.cli import app
from alertdesk.settings import load_settings

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = [str(REPO / "deploy/topology/example-dc1.yaml"), str(REPO / "deploy/topology/example-dc1-servers.csv")]
runner = CliRunner()


@pytest.fixture
def config(db_url, migrated_db, tmp_path) -> str:
    """A config file pointing the CLI at a migrated database."""
    path = tmp_path / "alertdesk.toml"
    path.write_text(f"database_url = {json.dumps(db_url)}\n", encoding="utf-8")
    return str(path)


def test_validate_accepts_the_example():
    result = runner.invoke(app, ["topology", "validate", *EXAMPLE])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: 107 components")


def test_validate_lists_every_error_and_exits_1(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("components:\n  - {id: x, kind: toaster}\n  - {id: y, kind: ups, in: nowhere}\n", encoding="utf-8")
    result = runner.invoke(app, ["topology", "validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2: x: unknown kind 'toaster'" in result.stderr
    assert f"{bad}:3: y: 'in' names unknown component 'nowhere'" in result.stderr


def test_load_then_show_the_tree_and_a_component(config):
    loaded = runner.invoke(app, ["topology", "load", *EXAMPLE, "--config", config])
    assert loaded.exit_code == 0, loaded.output
    assert loaded.stdout.startswith("loaded: revision 1, 107 components")
    again = runner.invoke(app, ["topology", "load", *EXAMPLE, "--config", config])
    assert again.stdout.startswith("unchanged: revision 1")

    tree = runner.invoke(app, ["topology", "show", "--config", config])
    assert tree.exit_code == 0, tree.output
    lines = tree.stdout.splitlines()
    assert lines[0].startswith("revision 1 loaded ") and " by cli: " in lines[0]
    assert "site dc1 上海张江数据中心, 2 devices" in lines
    assert "      rack dc1-mr1-a01 A01机柜, 5 devices" in lines
    assert "service core-banking 核心业务系统 (critical)" in lines

    web = runner.invoke(app, ["topology", "show", "web-01:9100", "--config", config])
    assert web.exit_code == 0, web.output
    text = web.stdout
    assert "server web-01 网银前置服务器1" in text
    assert "location: dc1 > dc1-mr1 > dc1-mr1-a > dc1-mr1-a02" in text
    assert "  power:\n    pdu-a02-1 (pdu) redundant\n" in text
    assert "services: core-banking (critical), online-banking (high)" in text


def test_show_json_from_files_without_a_database():
    result = runner.invoke(app, ["topology", "show", "temp-a", "--json", "-f", EXAMPLE[0], "-f", EXAMPLE[1]])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["location"] == {"site": "dc1", "room": "dc1-mr1", "row": "dc1-mr1-a"}
    assert [u["id"] for u in body["upstreams"]][:3] == ["zone-a", "ac-03", "ac-04"]


def test_show_an_unknown_component_exits_1():
    result = runner.invoke(app, ["topology", "show", "nope", "-f", EXAMPLE[0], "-f", EXAMPLE[1]])
    assert result.exit_code == 1
    assert "component 'nope' not found" in result.stderr


def test_topology_files_setting_reads_a_comma_separated_list():
    settings = load_settings(environ={"ALERTDESK_TOPOLOGY_FILES": "a.yaml, b.csv"})
    assert settings.topology_files == ("a.yaml", "b.csv")


def test_the_console_script_validates(tmp_path):
    script = Path(sys.executable).with_name("alertdesk")
    ok = subprocess.run([script, "topology", "validate", *EXAMPLE], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("id,kind,in\nweb-01,server,a99\n", encoding="utf-8")
    failed = subprocess.run([script, "topology", "validate", str(bad)], capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1
    assert f"{bad}:2: web-01: 'in' names unknown component 'a99'" in failed.stderr
