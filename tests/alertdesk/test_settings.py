"""Settings: defaults < file < environment < overrides, and every bad key or value named."""
from __future__ import annotations

from pathlib import Path

import pytest

from alertdesk.settings import Settings, SettingsError, load_settings


def test_defaults_are_the_embedded_default(tmp_path: Path) -> None:
    settings = load_settings(None, environ={})
    assert settings == Settings()
    assert settings.embedded_broker


def test_file_then_environment_then_overrides(tmp_path: Path) -> None:
    config = tmp_path / "alertdesk.toml"
    config.write_text('http_port = 9000\ntopic_prefix = "room1."\nkafka_bootstrap_servers = ["k1:9092", "k2:9092"]\n')
    settings = load_settings(config, environ={"ALERTDESK_HTTP_PORT": "9100"}, http_host="0.0.0.0")
    assert (settings.http_port, settings.topic_prefix, settings.http_host) == (9100, "room1.", "0.0.0.0")
    assert settings.kafka_bootstrap_servers == ("k1:9092", "k2:9092")
    assert not settings.embedded_broker


@pytest.mark.parametrize(
    ("file_text", "environ", "message"),
    [
        ("http_prot = 1\n", {}, "unknown setting 'http_prot'"),
        ("http_port = 'eighty'\n", {}, "http_port = 'eighty' is not a valid int"),
        ("http_port = true\n", {}, "a boolean is not an integer"),
        ("", {"ALERTDESK_PARTITONS": "3"}, "environment (ALERTDESK_*): unknown setting 'partitons'"),
        ("not toml [", {}, "not valid TOML"),
    ],
)
def test_bad_configuration_names_where_and_what(tmp_path: Path, file_text: str, environ: dict, message: str) -> None:
    config = tmp_path / "alertdesk.toml"
    config.write_text(file_text)
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        load_settings(config, environ=environ)


def test_a_named_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "missing.toml", environ={})


def test_test_suite_variables_are_not_settings() -> None:
    settings = load_settings(None, environ={"ALERTDESK_TEST_POSTGRES_URL": "postgresql://x", "ALERTDESK_TEST_NO_SKIP": "1"})
    assert settings == Settings()


def test_comma_separated_lists_from_the_environment() -> None:
    settings = load_settings(None, environ={"ALERTDESK_PAGING_FILES": "paging/dc1.yaml, paging/dc2.yaml"})
    assert settings.paging_files == ("paging/dc1.yaml", "paging/dc2.yaml")
