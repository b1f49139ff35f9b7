"""The `heartbeats` settings: read from TOML and from the comma-separated environment, refused with the entry named."""
from __future__ import annotations

from pathlib import Path

import pytest

from alertdesk.settings import SettingsError, load_settings
from incidents.heartbeats.schedule import HeartbeatSpec, parse_heartbeats


def test_heartbeats_from_the_environment_survive_comma_splitting(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, environ={
        "ALERTDESK_HEARTBEATS": "prometheus-dc1=2m;site=dc1;room=r1, zabbix=5m", "ALERTDESK_HEARTBEAT_CHECK_INTERVAL_S": "0.5"
    })
    assert parse_heartbeats(settings.heartbeats) == (
        HeartbeatSpec("prometheus-dc1", 120, {"site": "dc1", "room": "r1"}), HeartbeatSpec("zabbix", 300)
    )
    assert settings.heartbeat_check_interval_s == 0.5


def test_heartbeats_from_a_file(tmp_path: Path) -> None:
    config = tmp_path / "alertdesk.toml"
    config.write_text('heartbeats = ["prometheus-dc1=2m;site=dc1", "backup=25h"]\n')
    assert load_settings(config, environ={}).heartbeats == ("prometheus-dc1=2m;site=dc1", "backup=25h")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ALERTDESK_HEARTBEATS": "prom=2m;site=dc1,prom=5m"}, "heartbeats entry 2 ('prom=5m'): heartbeat 'prom' is configured twice"),
        ({"ALERTDESK_HEARTBEATS": "prom=2 minutes"}, "heartbeats entry 1 ('prom=2 minutes'): interval '2 minutes' must be"),
        ({"ALERTDESK_HEARTBEAT_CHECK_INTERVAL_S": "0"}, "heartbeat_check_interval_s = 0.0 must be above 0"),
    ],
)
def test_bad_heartbeats_are_configuration_errors(tmp_path: Path, monkeypatch, environ: dict, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError) as caught:
        load_settings(None, environ=environ)
    assert message in str(caught.value)


def test_ingest_auth_accepts_the_heartbeat_source(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings(None, environ={"ALERTDESK_INGEST_AUTH": "heartbeat=bearer:t"}).ingest_auth == ("heartbeat=bearer:t",)
