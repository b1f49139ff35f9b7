"""The `sla_*` settings: read from TOML and from the comma-separated environment, refused with the setting named;
and the composition's tick guard, which logs and counts a failed tick instead of ending the timer."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from alertdesk.settings import SettingsError, load_settings, sla_policy
from alertdesk.sla import check_logged
from incidents.sla.targets import Target


def test_sla_settings_from_a_file(tmp_path: Path) -> None:
    config = tmp_path / "alertdesk.toml"
    config.write_text(
        'sla_targets = ["P1=10m/2h", "P3=1h30m/16h"]\n'
        'sla_calendars = ["office=Mon-Fri 09:00-12:00 13:00-17:00 Asia/Shanghai;'
        ' holidays=2026-10-01..2026-10-08; workdays=2026-09-27 2026-10-10"]\n'
        'sla_service_calendars = ["hr-portal=office"]\n'
        'sla_category_calendars = ["facility=office"]\n'
        'sla_warning_fraction = 0.75\n'
    )
    policy = sla_policy(load_settings(config, environ={}))
    assert policy.targets["P1"] == Target(response=timedelta(minutes=10), resolution=timedelta(hours=2))
    assert policy.targets["P3"] == Target(response=timedelta(minutes=90), resolution=timedelta(hours=16))
    assert policy.targets["P2"] == Target(response=timedelta(minutes=30), resolution=timedelta(hours=8))
    assert set(policy.calendars) == {"24x7", "office"}
    assert (policy.service_calendars, policy.category_calendars) == ({"hr-portal": "office"}, {"facility": "office"})
    assert (policy.default_calendar, policy.warning_fraction) == ("24x7", 0.75)


def test_sla_settings_from_the_environment_survive_comma_splitting(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, environ={
        "ALERTDESK_SLA_TARGETS": "P1=15m/4h, P2=1h/8h",
        "ALERTDESK_SLA_CALENDARS": "office=Mon-Fri 09:00-17:00 Asia/Shanghai; holidays=2026-10-01 2026-10-02",
        "ALERTDESK_SLA_DEFAULT_CALENDAR": "office",
    })
    policy = sla_policy(settings)
    assert policy.targets["P2"].response == timedelta(hours=1)
    assert len(policy.calendars["office"].holidays) == 2
    assert policy.default_calendar == "office"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ALERTDESK_SLA_TARGETS": "P1=15m"}, "sla_targets entry 'P1=15m' is not like"),
        ({"ALERTDESK_SLA_CALENDARS": "office=Mon-Fri 09:00-17:00 Mars/Olympus"}, "not an IANA time zone"),
        ({"ALERTDESK_SLA_SERVICE_CALENDARS": "hr-portal=office"}, "sla_service_calendars entry 'hr-portal=office'"),
        ({"ALERTDESK_SLA_WARNING_FRACTION": "80"}, "sla_warning_fraction = 80.0 must be between 0 and 1"),
        ({"ALERTDESK_SLA_CHECK_INTERVAL_S": "0"}, "sla_check_interval_s = 0.0 must be above 0"),
    ],
)
def test_bad_sla_settings_are_configuration_errors(tmp_path: Path, monkeypatch, environ: dict, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError, match=message.replace("(", r"\(")):
        load_settings(None, environ=environ)


class FailingMonitor:
    """A monitor whose database is away."""

    async def tick(self) -> list:
        raise ConnectionError("database away")


def test_a_failed_tick_is_logged_and_counted_not_raised(caplog) -> None:
    before = REGISTRY.get_sample_value("alertdesk_sla_check_failures_total") or 0.0
    asyncio.run(check_logged(FailingMonitor()))
    assert REGISTRY.get_sample_value("alertdesk_sla_check_failures_total") == before + 1
    assert "sla: check failed, trying again on the next tick: ConnectionError: database away" in caplog.text
