"""End to end: a tiny storm through the real Debian `prometheus-alertmanager`, notified to the bench's webhook receiver.

The Alertmanager half of `alertdesk bench storm --compare-alertmanager`, on 204 alerts sent
three times with 1-s group timings (~8 s). The alertdesk half is the pipeline the e2e tests run;
here: every storm alert is notified once per group, and nothing is left running afterwards.
"""
from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from alertdesk.cli import app
from bench.storm import StormOptions, run_alertmanager
from tests.prerequisites import program

GROUPS = 6  # group_by alertname, site: the storm's six alert names at one site


def running_under(folder: Path) -> list[str]:
    """Command lines of live processes that mention `folder` (an Alertmanager left behind would)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(folder) in text:
            found.append(text)
    return found


def test_a_tiny_storm_through_alertmanager_is_notified_once_per_group(tmp_path):
    program("prometheus-alertmanager", "alertmanager", install="the Debian package prometheus-alertmanager")
    options = StormOptions(racks=4, hosts=20, rate=2000, total=612, am_group_wait=1, am_group_interval=1, am_drain=15)
    out = run_alertmanager(options, tmp_path)
    result = out["result"]
    assert (result["alerts_sent"], result["storm_alerts"], result["through"], result["missing"]) == (612, 204, 204, 0)
    calls = (result["webhook_calls"], result["calls_with_storm_alerts"], result["unreadable_calls"])
    assert calls == (GROUPS, GROUPS, 0)
    assert result["alerts_listed"] == 204
    assert 0 < result["latency_ms"]["p50"] <= result["latency_ms"]["p99"] < 10_000
    assert out["phase1_send"]["failed"] == out["phase2_send"]["failed"] == 0
    assert result["rss_mib"]["alertmanager"]["peak"] > 0
    assert out["version"].startswith("Alertmanager ")
    assert running_under(tmp_path) == []


def test_the_comparison_says_what_to_install_when_alertmanager_is_missing(monkeypatch, tmp_path):
    monkeypatch.setattr("bench.processes.alertmanager_binary", lambda: None)
    monkeypatch.setattr("signal.signal", lambda *args: None)  # the CLI's SIGTERM handler stays out of pytest
    answer = CliRunner().invoke(app, ["bench", "storm", "--compare-alertmanager", "--results", str(tmp_path)])
    assert answer.exit_code == 2
    assert "install the Debian package prometheus-alertmanager" in answer.output
    assert list(tmp_path.iterdir()) == []


def test_several_workers_need_postgresql(monkeypatch):
    monkeypatch.delenv("ALERTDESK_BENCH_POSTGRES_URL", raising=False)
    monkeypatch.setattr("signal.signal", lambda *args: None)
    answer = CliRunner().invoke(app, ["bench", "storm", "--workers", "2"])
    assert answer.exit_code == 2
    assert "--workers > 1 needs --postgres" in answer.output
