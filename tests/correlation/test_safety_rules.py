"""The configured life-safety table (`safety_alertnames`): parsing, settings, and silences with exceptions made through the API."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from alertdesk.settings import load_settings
from incidents.silences.api import USER_HEADER, silence_router
from incidents.silences.catalogue import SilenceCatalogue
from streams.alerts.safety import SafetyClass
from streams.clock import FakeClock
from streams.correlation.safety_rules import safety_rules

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
WATER = {"alertname": "CRACWaterAlarm", "site": "dc1"}


@pytest.mark.parametrize(
    "entries, alertname, expected",
    [
        ((), "SmokeDetected", SafetyClass.SMOKE),  # the built-in names stay
        ((), "CRACWaterAlarm", None),
        (("CRACWaterAlarm=water_leak",), "CRACWaterAlarm", SafetyClass.WATER_LEAK),
        ((" 烟感告警 = smoke ",), "烟感告警", SafetyClass.SMOKE),
        (("SmokeAlarm=fire",), "SmokeAlarm", SafetyClass.FIRE),  # re-classed, never removed
    ],
)
def test_entries_add_to_the_built_in_names(entries, alertname, expected) -> None:
    assert safety_rules(entries).classify({"alertname": alertname}) == expected


@pytest.mark.parametrize(
    "entries, message",
    [
        (("VESDAFire",), "safety_alertnames[0]: 'VESDAFire': expected ALERTNAME=CLASS"),
        (("A=smoke", "=fire"), "safety_alertnames[1]: '=fire': expected ALERTNAME=CLASS"),
        (("VESDAFire=fier",), "safety_alertnames[0]: 'VESDAFire=fier': class 'fier' is not one of smoke, fire"),
    ],
)
def test_a_bad_entry_is_an_error_naming_it(entries, message) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        safety_rules(entries)


def test_the_setting_comes_from_the_environment_as_a_list() -> None:
    settings = load_settings(environ={"ALERTDESK_SAFETY_ALERTNAMES": "CRACWaterAlarm=water_leak,VESDAFire=fire"})
    assert settings.safety_alertnames == ("CRACWaterAlarm=water_leak", "VESDAFire=fire")
    assert safety_rules(settings.safety_alertnames).classify({"alertname": "VESDAFire"}) == SafetyClass.FIRE


@pytest.fixture
def client_and_factory(migrated_db):
    _, factory = migrated_db
    app = FastAPI()
    app.include_router(silence_router(factory, FakeClock(T0)))
    with TestClient(app) as client:
        yield client, factory


def _exception(client: TestClient, safety_class: str) -> str:
    body = {"safety_class": safety_class, "matchers": ["site=dc1"], "ends_at": "2026-03-01T12:00:00Z",
            "requested_by": "li.na", "reason": "CRAC leak sensor test"}
    created = client.post("/api/safety-exceptions", json=body)
    assert created.status_code == 200, created.text
    approved = client.post(f"/api/safety-exceptions/{created.json()['id']}/approve", headers={USER_HEADER: "wang.fang"})
    assert approved.json()["active"] is True
    return created.json()["id"]


def test_a_configured_safety_alert_bypasses_silences_until_its_own_class_is_excepted(client_and_factory) -> None:
    client, factory = client_and_factory
    silence = {"matchers": ["site=dc1"], "startsAt": "2026-03-01T08:00:00Z", "endsAt": "2026-03-01T10:00:00Z",
               "createdBy": "zhang.wei", "comment": "机房施工"}
    assert client.post("/api/silences", json=silence).status_code == 200
    later = T0 + timedelta(minutes=5)
    plain, configured = SilenceCatalogue(factory), SilenceCatalogue(factory, safety_rules=safety_rules(["CRACWaterAlarm=water_leak"]))
    for catalogue in (plain, configured):
        catalogue.refresh(later)
    assert plain.snapshot.suppression(WATER, (), later) is not None  # not life safety unless configured
    assert configured.snapshot.suppression(WATER, (), later) is None

    _exception(client, "smoke")  # another class's exception covers nothing here
    configured.refresh(later)
    assert configured.snapshot.suppression(WATER, (), later) is None

    exception_id = _exception(client, "water_leak")
    configured.refresh(later)
    found = configured.snapshot.suppression(WATER, (), later)
    assert found is not None and found.safety_exception == exception_id
