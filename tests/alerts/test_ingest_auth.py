"""ingest_auth entries: parsed with reasons that never show the secret; Authorization headers checked per source."""
from __future__ import annotations

import base64

import pytest

from streams.alerts.receivers.auth import NO_AUTH, AuthOutcome, parse_ingest_auth

SOURCES = ("alertmanager", "alertmanager-api", "grafana", "zabbix", "generic")


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


AUTH = parse_ingest_auth(
    [
        "zabbix=bearer:zbx-token",
        "zabbix=bearer:zbx-next",  # rotation: both work
        "grafana=basic:grafana:pa:ss:word",
        "*=bearer:shared-token",
    ],
    sources=SOURCES,
)


@pytest.mark.parametrize(
    ("source", "header", "outcome"),
    [
        ("zabbix", "Bearer zbx-token", AuthOutcome.ACCEPTED),
        ("zabbix", "bearer   zbx-next ", AuthOutcome.ACCEPTED),
        ("zabbix", "Bearer shared-token", AuthOutcome.WRONG_CREDENTIALS),  # own entries replace '*'
        ("zabbix", "Bearer zbx-toke", AuthOutcome.WRONG_CREDENTIALS),
        ("zabbix", None, AuthOutcome.MISSING),
        ("zabbix", "", AuthOutcome.MISSING),
        ("zabbix", "Bearer", AuthOutcome.WRONG_SCHEME),
        ("zabbix", basic("zbx", "zbx-token"), AuthOutcome.WRONG_SCHEME),
        ("zabbix", "Digest x", AuthOutcome.WRONG_SCHEME),
        ("grafana", basic("grafana", "pa:ss:word"), AuthOutcome.ACCEPTED),
        ("grafana", basic("grafana", "pa:ss"), AuthOutcome.WRONG_CREDENTIALS),
        ("grafana", "Basic !!notbase64!!", AuthOutcome.WRONG_SCHEME),
        ("grafana", "Basic 机房", AuthOutcome.WRONG_SCHEME),
        ("alertmanager", "Bearer shared-token", AuthOutcome.ACCEPTED),
        ("generic", "Bearer zbx-token", AuthOutcome.WRONG_CREDENTIALS),
    ],
)
def test_check(source: str, header: str | None, outcome: AuthOutcome) -> None:
    assert AUTH.check(source, header) is outcome
    assert outcome.allowed is (outcome is AuthOutcome.ACCEPTED)


def test_no_entries_means_open() -> None:
    assert NO_AUTH.check("zabbix", None) is AuthOutcome.OPEN and AuthOutcome.OPEN.allowed
    only_zabbix = parse_ingest_auth(["zabbix=bearer:t"], sources=SOURCES)
    assert only_zabbix.check("generic", None) is AuthOutcome.OPEN


def test_challenge_names_each_scheme() -> None:
    assert AUTH.challenge("zabbix") == 'Bearer realm="alertdesk"'
    assert AUTH.challenge("grafana") == 'Basic realm="alertdesk", charset="UTF-8"'
    mixed = parse_ingest_auth(["*=bearer:t", "*=basic:u:p"], sources=SOURCES)
    assert mixed.challenge("generic") == 'Basic realm="alertdesk", charset="UTF-8", Bearer realm="alertdesk"'


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("zabbix", "ingest_auth entry 1 (for 'zabbix') must look like 'SOURCE=bearer:TOKEN' or 'SOURCE=basic:USER:PASSWORD'"),
        ("=bearer:secret", "ingest_auth entry 1 (for '?') must look like"),
        ("zabix=bearer:secret", "ingest_auth entry 1 (for 'zabix'): unknown source; known sources are alertmanager, "
                                "alertmanager-api, generic, grafana, zabbix or '*'"),
        ("zabbix=bearer:", "ingest_auth entry 1 (for 'zabbix'): a bearer token must be non-empty and contain no whitespace"),
        ("zabbix=bearer:se cret", "a bearer token must be non-empty and contain no whitespace"),
        ("zabbix=basic:user", "basic auth must be 'basic:USER:PASSWORD' with a non-empty user and password"),
        ("zabbix=basic::secret", "basic auth must be 'basic:USER:PASSWORD' with a non-empty user and password"),
        ("zabbix=token:secret", "ingest_auth entry 1 (for 'zabbix'): the scheme must be 'bearer' or 'basic'"),
    ],
)
def test_bad_entries_are_named_without_their_secret(entry: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_ingest_auth([entry], sources=SOURCES)
    assert str(caught.value).startswith(message) or message in str(caught.value)
    assert "secret" not in str(caught.value) and "cret" not in str(caught.value)


def test_credential_repr_hides_the_secret() -> None:
    assert "zbx-token" not in repr(AUTH)


def test_settings_refuse_a_bad_entry_at_load_time() -> None:
    from alertdesk.settings import SettingsError, load_settings

    settings = load_settings(None, environ={"ALERTDESK_INGEST_AUTH": "zabbix=bearer:t1,*=basic:u:p:w"})
    assert settings.ingest_auth == ("zabbix=bearer:t1", "*=basic:u:p:w") and "t1" not in repr(settings)
    with pytest.raises(SettingsError, match="ingest_auth entry 1 \\(for 'zabix'\\): unknown source"):
        load_settings(None, environ={"ALERTDESK_INGEST_AUTH": "zabix=bearer:t1"})
