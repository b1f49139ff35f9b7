"""The access settings: auth_enabled parses as a boolean from the environment and files, and bad values are named."""
from __future__ import annotations

import pytest

from alertdesk.settings import SettingsError, load_settings
from alertdesk.wiring import access_config


@pytest.mark.parametrize(
    ("text", "enabled"), [("false", False), ("0", False), ("off", False), ("TRUE", True), ("yes", True)]
)
def test_auth_enabled_from_the_environment(tmp_path, text: str, enabled: bool) -> None:
    settings = load_settings(environ={"ALERTDESK_AUTH_ENABLED": text}, config_file=_empty(tmp_path))
    assert settings.auth_enabled is enabled
    assert access_config(settings).enabled is enabled


def test_bad_boolean_is_named(tmp_path) -> None:
    with pytest.raises(SettingsError, match="auth_enabled = 'maybe' is not a valid bool"):
        load_settings(environ={"ALERTDESK_AUTH_ENABLED": "maybe"}, config_file=_empty(tmp_path))


def test_secure_cookies_follow_an_https_public_url(tmp_path) -> None:
    settings = load_settings(environ={"ALERTDESK_PUBLIC_URL": "https://desk.example"}, config_file=_empty(tmp_path))
    assert access_config(settings).secure_cookies and access_config(settings).enabled


def _empty(tmp_path):
    path = tmp_path / "alertdesk.toml"
    path.write_text("", "utf-8")
    return path
