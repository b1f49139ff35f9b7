"""SLA targets and deadlines: defaults, the calendar an incident's services choose, priority changes, bad settings."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from incidents.sla.targets import DEFAULT_POLICY, Target, deadlines, parse_policy

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE = "office=Mon-Fri 09:00-17:00 Asia/Shanghai"


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(timezone.utc)


FRIDAY_16 = sh(2026, 1, 2, 16, 0)
POLICY = parse_policy(
    targets=["P3=1h/8h"],
    calendars=[OFFICE],
    service_calendars=["hr-portal=office", "payroll=office"],
    category_calendars=["facility=office"],
)


def test_defaults_are_itil_targets_on_24x7():
    assert DEFAULT_POLICY.targets["P1"] == Target(response=timedelta(minutes=15), resolution=timedelta(hours=4))
    assert set(DEFAULT_POLICY.targets) == {"P1", "P2", "P3", "P4", "P5"}
    found = deadlines(FRIDAY_16, "P1", ["core-db"], "power", DEFAULT_POLICY)
    assert found.calendar == "24x7"
    assert found.response_due_at == FRIDAY_16 + timedelta(minutes=15)
    assert found.response_warn_at == FRIDAY_16 + timedelta(minutes=12)
    assert found.resolution_due_at == FRIDAY_16 + timedelta(hours=4)
    assert found.resolution_warn_at == FRIDAY_16 + timedelta(minutes=192)


def test_configured_targets_replace_only_their_priority():
    assert POLICY.targets["P3"] == Target(response=timedelta(hours=1), resolution=timedelta(hours=8))
    assert POLICY.targets["P2"] == DEFAULT_POLICY.targets["P2"]


@pytest.mark.parametrize(
    ("services", "category", "calendar", "resolution_due"),
    [
        pytest.param(["hr-portal"], "other", "office", sh(2026, 1, 5, 16, 0), id="a 5x8 service"),
        pytest.param(["hr-portal", "payroll"], "other", "office", sh(2026, 1, 5, 16, 0), id="two 5x8 services"),
        pytest.param(["hr-portal", "core-db"], "other", "24x7", sh(2026, 1, 3, 0, 0), id="strictest wins"),
        pytest.param([], "facility", "office", sh(2026, 1, 5, 16, 0), id="category without services"),
        pytest.param(["core-db"], "facility", "office", sh(2026, 1, 5, 16, 0), id="unmapped service uses category"),
        pytest.param([], "power", "24x7", sh(2026, 1, 3, 0, 0), id="default"),
    ],
)
def test_the_calendar_follows_services_then_category(services, category, calendar, resolution_due):
    found = deadlines(FRIDAY_16, "P3", services, category, POLICY)
    assert (found.calendar, found.resolution_due_at) == (calendar, resolution_due)


def test_a_priority_change_counts_from_opening_against_the_new_target():
    opened = sh(2026, 1, 5, 9, 0)  # Monday
    before = deadlines(opened, "P3", ["hr-portal"], "other", POLICY)
    after = deadlines(opened, "P1", ["hr-portal"], "other", POLICY)
    assert before.resolution_due_at == sh(2026, 1, 5, 17, 0)
    assert after.response_due_at == sh(2026, 1, 5, 9, 15)
    assert after.resolution_due_at == sh(2026, 1, 5, 13, 0)


def test_a_configured_default_calendar_applies_to_everything_unmapped():
    policy = parse_policy(calendars=[OFFICE], default_calendar="office", warning_fraction=0.5)
    found = deadlines(FRIDAY_16, "P1", [], "other", policy)
    assert (found.calendar, found.response_warn_at) == ("office", sh(2026, 1, 2, 16, 7, 30))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"targets": ["P1"]}, "sla_targets entry 'P1' is not like"),
        ({"targets": ["P6=1h/2h"]}, "'P6' is not a priority"),
        ({"targets": ["P1=1h/2h", "P1=2h/4h"]}, "P1 is given twice"),
        ({"targets": ["P1=1d/2d"]}, "'1d' is not a duration"),
        ({"targets": ["P1=0m/2h"]}, "must be longer than zero"),
        ({"targets": ["P1=4h/1h"]}, "longer than the resolution"),
        ({"calendars": [OFFICE, OFFICE]}, "defined twice"),
        ({"service_calendars": ["hr-portal=office"]}, "'office' is not a calendar"),
        ({"service_calendars": ["hr-portal"]}, "not like 'SERVICE=CALENDAR'"),
        ({"category_calendars": ["facility=24x7", "facility=24x7"]}, "given twice"),
        ({"default_calendar": "office"}, "sla_default_calendar"),
        ({"warning_fraction": 1.0}, "between 0 and 1"),
        ({"warning_fraction": 0.0}, "between 0 and 1"),
    ],
)
def test_bad_settings_are_refused_naming_the_setting(settings, message):
    with pytest.raises(ValueError, match=message):
        parse_policy(**settings)


def test_a_priority_without_a_target_is_an_error():
    with pytest.raises(ValueError, match="'P9' has no SLA target"):
        deadlines(FRIDAY_16, "P9", [], "other", DEFAULT_POLICY)
