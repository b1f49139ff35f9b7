"""SNMP settings: read from file and environment, checked at load (users, mapping files), secrets out of repr, port in use named."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from alertdesk.settings import SettingsError, load_settings
from alertdesk.wiring import parsers, snmp_receiver
from streams.alerts.parsers import PARSERS
from streams.clock import FakeClock

USERS = "user=ups-a engine=8000000001020304 auth=SHA:auth-phrase-1 priv=AES:priv-phrase-1,user=probe auth=MD5:md5-phrase-1"


def test_snmp_settings_from_the_environment_stay_out_of_repr() -> None:
    settings = load_settings(None, environ={
        "ALERTDESK_SNMP_LISTEN": "0.0.0.0:1162", "ALERTDESK_SNMP_COMMUNITIES": "s3cret-comm,other-comm",
        "ALERTDESK_SNMP_V3_USERS": USERS,
    })
    assert settings.snmp_listen == "0.0.0.0:1162"
    assert settings.snmp_communities == ("s3cret-comm", "other-comm")
    assert [user.split()[0] for user in settings.snmp_v3_users] == ["user=ups-a", "user=probe"]
    assert not [secret for secret in ("s3cret-comm", "auth-phrase-1", "md5-phrase-1") if secret in repr(settings)]


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ALERTDESK_SNMP_LISTEN": "0.0.0.0:162"}, "snmp_listen is set but neither snmp_communities nor snmp_v3_users"),
        ({"ALERTDESK_SNMP_LISTEN": "ups.example:162", "ALERTDESK_SNMP_COMMUNITIES": "c"}, "expected HOST:PORT"),
        ({"ALERTDESK_SNMP_LISTEN": "0.0.0.0:162", "ALERTDESK_SNMP_V3_USERS": "user=a auth=SHA:short"},
         "snmp_v3_users entry #1 (user 'a'): auth= needs PROTOCOL:PASSPHRASE"),
    ],
)
def test_bad_snmp_settings_are_configuration_errors(environ: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(None, environ=environ)


def test_a_bad_mapping_file_stops_the_start_naming_file_and_entry(tmp_path: Path) -> None:
    mapping = tmp_path / "crac.yaml"
    mapping.write_text("traps:\n  - {name: crac, oid: 1.3.6.1.4.1.32473.2.0.1, alert: A, severity: urgent}\n")
    config = tmp_path / "alertdesk.toml"
    config.write_text(f'snmp_mapping_files = ["{mapping}"]\n')
    with pytest.raises(SettingsError, match=rf"{mapping}: traps\[0\] \(crac\): 'severity' must be one of"):
        load_settings(config, environ={})


def test_configured_mapping_files_replace_only_the_snmp_parser(tmp_path: Path) -> None:
    mapping = tmp_path / "agents.yaml"
    mapping.write_text("agents:\n  - {address: 10.0.0.0/8, site: dc1}\n")
    assert parsers(load_settings(None, environ={})) is PARSERS
    configured = parsers(load_settings(None, environ={"ALERTDESK_SNMP_MAPPING_FILES": str(mapping)}))
    assert configured.keys() == PARSERS.keys() and configured["snmp"] is not PARSERS["snmp"]
    assert all(configured[source] is PARSERS[source] for source in PARSERS if source != "snmp")


def test_an_snmp_port_in_use_is_a_configuration_error_naming_the_setting() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        listen = f"127.0.0.1:{taken.getsockname()[1]}"
        settings = load_settings(None, environ={"ALERTDESK_SNMP_LISTEN": listen, "ALERTDESK_SNMP_COMMUNITIES": "c"})
        with pytest.raises(SettingsError) as caught:
            snmp_receiver(settings, sink=None, clock=FakeClock())
    assert str(caught.value) == (
        f"snmp_listen = '{listen}': cannot listen for SNMP traps on UDP {listen}: Address already in use")


def test_no_receiver_when_snmp_listen_is_empty() -> None:
    assert snmp_receiver(load_settings(None, environ={}), sink=None, clock=FakeClock()) is None
