"""Silences over time, the suppression decision (silence, maintenance, life safety) and reminders, at explicit times."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from streams.alerts.maintenance import Frequency, MaintenanceWindow, Recurrence
from streams.alerts.matchers import parse_matcher
from streams.alerts.safety import DEFAULT_SAFETY_RULES, SafetyClass, SafetyException, SafetyRules
from streams.alerts.silences import (
    ReminderKind,
    Silence,
    SilenceState,
    SuppressionKind,
    SuppressionRules,
    reminders_due,
    suppression,
)

UTC = timezone.utc
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TEMP = {"alertname": "TempHigh", "site": "dc1", "instance": "sensor-7"}
UPS = {"alertname": "UPSOnBattery", "site": "dc1", "instance": "ups-1"}


def hours(count: float) -> timedelta:
    return timedelta(hours=count)


def silence(*matchers: str, id="s1", start=T0, end=T0 + hours(2), **changes) -> Silence:
    fields = dict(
        id=id, matchers=tuple(parse_matcher(m) for m in matchers or ('alertname=~"Temp.*"',)), starts_at=start,
        ends_at=end, created_by="zhang.wei", comment="更换传感器", created_at=T0 - hours(1),
    )
    return Silence(**{**fields, **changes})


def maintenance(*components: str, id="w1", start=T0, end=T0 + hours(4), **changes) -> MaintenanceWindow:
    fields = dict(
        id=id, components=components or ("ups-1",), starts_at=start, ends_at=end, recurrence=None, timezone="UTC",
        created_by="li.na", reason="UPS battery replacement", created_at=T0 - hours(24),
    )
    return MaintenanceWindow(**{**fields, **changes})


def exception(safety_class=SafetyClass.UPS_ON_BATTERY, *, matchers=("site=dc1",), components=(), **changes):
    fields = dict(
        id="e1", safety_class=safety_class, matchers=tuple(parse_matcher(m) for m in matchers), components=components,
        starts_at=T0, ends_at=T0 + hours(4), requested_by="li.na", reason="UPS battery test, on battery on purpose",
        created_at=T0 - hours(2), approved_by="wang.fang", approved_at=T0 - hours(1),
    )
    return SafetyException(**{**fields, **changes})


@pytest.mark.parametrize(
    ("at", "state"),
    [
        (T0 - timedelta(seconds=1), SilenceState.PENDING),
        (T0, SilenceState.ACTIVE),
        (T0 + hours(2) - timedelta(microseconds=1), SilenceState.ACTIVE),
        (T0 + hours(2), SilenceState.EXPIRED),
    ],
)
def test_a_silence_is_active_from_its_start_until_its_end(at, state):
    assert silence().state(at) is state
    assert silence().is_active(at) is (state is SilenceState.ACTIVE)


def test_expiring_ends_a_silence_early():
    expired = silence(expired_at=T0 + hours(1), expired_by="wang.fang")
    assert expired.is_active(T0 + hours(1) - timedelta(seconds=1))
    assert expired.state(T0 + hours(1)) is SilenceState.EXPIRED
    assert expired.effective_end == T0 + hours(1)


def test_expiring_a_pending_silence_means_it_never_starts():
    assert silence(start=T0 + hours(1), expired_at=T0).state(T0 + hours(1)) is SilenceState.EXPIRED


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"matchers": ()}, "matchers: a silence needs at least one matcher"),
        ({"matchers": (parse_matcher('team!="db"'),)}, "at least one matcher must not match the empty string"),
        ({"matchers": (parse_matcher('alertname=~".*"'), parse_matcher('team=""'))}, "must not match the empty"),
        ({"end": T0}, "ends_at: must be after starts_at"),
        ({"created_by": " "}, "created_by: say who"),
        ({"comment": ""}, "comment: say why"),
    ],
)
def test_silence_validation_names_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        silence(**changes)


def test_a_silence_mutes_matching_alerts_while_active_and_names_who_and_why():
    rules = [silence('alertname=~"Temp.*"', "site=dc1")]
    found = suppression(TEMP, set(), T0 + hours(1), rules, [], [])
    assert (found.kind, found.by, found.until) == (SuppressionKind.SILENCE, "s1", T0 + hours(2))
    assert "zhang.wei" in found.reason and "更换传感器" in found.reason
    assert suppression({**TEMP, "site": "dc2"}, set(), T0 + hours(1), rules, [], []) is None
    assert suppression(TEMP, set(), T0 - hours(1), rules, [], []) is None
    assert suppression(TEMP, set(), T0 + hours(2), rules, [], []) is None


def test_when_several_silences_match_the_one_lasting_longest_is_named():
    rules = [
        silence('alertname="TempHigh"', id="short", end=T0 + hours(1)),
        silence("site=dc1", id="long", end=T0 + hours(8)),
        silence('alertname="TempHigh"', id="mid", end=T0 + hours(3)),
    ]
    assert suppression(TEMP, set(), T0, rules, [], []).by == "long"


def test_silences_are_indexed_by_their_alertname_without_changing_the_answer():
    by_name = silence('alertname="TempHigh"', id="by-name")
    by_regex = silence('alertname=~"Te.*"', "site=dc2", id="by-regex")
    rules = SuppressionRules.build([by_name, by_regex], [], [])
    assert rules.silences_by_alertname == {"TempHigh": (by_name,)}
    assert rules.other_silences == (by_regex,)
    assert rules.suppression(TEMP, (), T0).by == "by-name"
    assert rules.suppression({**TEMP, "site": "dc2", "alertname": "TempLow"}, (), T0).by == "by-regex"
    assert rules.suppression({"alertname": "Other"}, (), T0) is None


def test_maintenance_mutes_the_component_and_its_dependants():
    windows = [maintenance("ups-1")]
    pdu_alert = {"alertname": "PDUPowerLoss", "instance": "pdu-3"}
    # The caller passes the alert's own component and every one upstream of it.
    found = suppression(pdu_alert, {"pdu-3", "ups-1", "utility-1"}, T0 + hours(1), [], windows, [])
    assert (found.kind, found.by, found.until) == (SuppressionKind.MAINTENANCE, "w1", T0 + hours(4))
    assert "ups-1" in found.reason and "li.na" in found.reason and "UPS battery replacement" in found.reason
    assert suppression(pdu_alert, {"pdu-3", "ups-2"}, T0 + hours(1), [], windows, []) is None
    assert suppression(pdu_alert, {"pdu-3", "ups-1"}, T0 + hours(5), [], windows, []) is None


def test_a_recurring_window_mutes_only_during_its_occurrences():
    nightly = maintenance(
        "core-1", start=datetime(2026, 3, 1, 18, tzinfo=UTC), end=datetime(2026, 3, 1, 20, tzinfo=UTC),
        recurrence=Recurrence(Frequency.DAILY), timezone="Asia/Shanghai",
    )
    during, after = datetime(2026, 3, 9, 19, tzinfo=UTC), datetime(2026, 3, 9, 21, tzinfo=UTC)
    assert suppression({"alertname": "LinkDown"}, ["core-1"], during, [], [nightly], []).by == "w1"
    assert suppression({"alertname": "LinkDown"}, ["core-1"], after, [], [nightly], []) is None


@pytest.mark.parametrize(
    ("labels", "safety_class"),
    [
        ({"alertname": "SmokeDetected"}, SafetyClass.SMOKE),
        ({"alertname": "WaterLeak"}, SafetyClass.WATER_LEAK),
        ({"alertname": "UPSOnBattery"}, SafetyClass.UPS_ON_BATTERY),
        ({"alertname": "SensorState", "safety_class": "fire"}, SafetyClass.FIRE),
        ({"alertname": "SensorState", "safety_class": "bogus"}, "bogus"),
        ({"alertname": "TempHigh"}, None),
    ],
)
def test_life_safety_classification(labels, safety_class):
    assert DEFAULT_SAFETY_RULES.classify(labels) == safety_class


def test_life_safety_alerts_bypass_silences_and_maintenance():
    silences, windows = [silence("site=dc1")], [maintenance("ups-1")]
    assert suppression(TEMP, {"ups-1"}, T0, silences, windows, []) is not None
    assert suppression(UPS, {"ups-1"}, T0, silences, windows, []) is None
    assert suppression({"alertname": "Door", "site": "dc1", "safety_class": "smoke"}, (), T0, silences, [], []) is None


def test_an_approved_exception_for_exactly_that_class_lets_a_silence_mute_it():
    silences = [silence("site=dc1")]
    found = suppression(UPS, (), T0 + hours(1), silences, [], [exception()])
    assert (found.kind, found.by, found.safety_exception) == (SuppressionKind.SILENCE, "s1", "e1")
    assert "ups_on_battery" in found.reason and "wang.fang" in found.reason and "li.na" in found.reason
    # The exception ends before the silence, so the alert is muted only until then.
    assert found.until == T0 + hours(2)
    smoke = {"alertname": "SmokeDetected", "site": "dc1"}
    assert suppression(smoke, (), T0 + hours(1), silences, [], [exception()]) is None


def test_an_exception_alone_mutes_nothing():
    assert suppression(UPS, (), T0 + hours(1), [], [], [exception()]) is None


@pytest.mark.parametrize(
    ("changes", "at"),
    [
        ({"approved_by": None, "approved_at": None}, T0 + hours(1)),
        ({"revoked_at": T0 + hours(1)}, T0 + hours(1)),
        ({}, T0 - hours(1)),
        ({}, T0 + hours(4)),
        ({"matchers": ("site=dc2",)}, T0 + hours(1)),
        ({"matchers": (), "components": ("ups-2",)}, T0 + hours(1)),
    ],
)
def test_an_exception_that_is_unapproved_revoked_out_of_time_or_elsewhere_does_not_apply(changes, at):
    silences = [silence("site=dc1", end=T0 + hours(8))]
    assert suppression(UPS, {"ups-1"}, at, silences, [], [exception(**changes)]) is None


def test_an_exception_scoped_to_components_lets_maintenance_mute_the_ups():
    windows = [maintenance("ups-1")]
    scoped = exception(matchers=(), components=("ups-1",))
    found = suppression(UPS, {"ups-1"}, T0 + hours(1), [], windows, [scoped])
    assert (found.kind, found.safety_exception) == (SuppressionKind.MAINTENANCE, "e1")


def test_an_unknown_safety_class_can_never_be_muted():
    alert = {"alertname": "Panel", "site": "dc1", "safety_class": "firee"}
    assert suppression(alert, (), T0, [silence("site=dc1")], [], [exception()]) is None


def test_the_rule_table_is_configurable():
    rules = SafetyRules(alertnames={"TempCritical": SafetyClass.FIRE}, label="life_safety")
    assert rules.classify({"alertname": "TempCritical"}) is SafetyClass.FIRE
    assert rules.classify({"alertname": "UPSOnBattery"}) is None
    assert rules.classify({"alertname": "X", "life_safety": "smoke"}) == "smoke"
    assert suppression(UPS, (), T0, [silence("site=dc1")], [], [], safety_rules=rules) is not None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"approved_by": "Li.Na "}, "approved_by: must be someone other than the requester"),
        ({"matchers": (), "components": ()}, "matchers: give matchers or components"),
        ({"safety_class": "smok"}, "safety_class: 'smok' is not one of smoke"),
        ({"ends_at": T0}, "ends_at: must be after starts_at"),
        ({"reason": " "}, "reason: say why"),
    ],
)
def test_exception_validation(changes, message):
    with pytest.raises(ValueError, match=message):
        exception(**changes)


def test_reminders_before_expiry_and_when_open_too_long():
    short = silence(id="short", end=T0 + hours(2))
    long_open = silence(id="long", start=T0 - timedelta(days=8), end=T0 + timedelta(days=30))
    quick = silence(id="quick", end=T0 + timedelta(minutes=20))
    due = reminders_due(
        [short, long_open, quick], T0 + hours(1), before_expiry=hours(1), open_too_long=timedelta(days=7)
    )
    assert [(r.silence_id, r.kind, r.to) for r in due] == [
        ("short", ReminderKind.EXPIRING, "zhang.wei"),
        ("long", ReminderKind.OPEN_TOO_LONG, "zhang.wei"),
    ]
    assert "2026-03-01T10:00:00.000Z" in due[0].message and 'alertname=~"Temp.*"' in due[0].message


def test_each_reminder_is_due_once_and_never_for_inactive_silences():
    expiry_reminded = silence(id="r", expiry_reminded_at=T0 + hours(1))
    expired = silence(id="x", expired_at=T0 + timedelta(minutes=30))
    pending = silence(id="p", start=T0 + hours(3), end=T0 + hours(4))
    due = reminders_due(
        [expiry_reminded, expired, pending], T0 + hours(1), before_expiry=hours(2), open_too_long=hours(1)
    )
    assert [(reminder.silence_id, reminder.kind) for reminder in due] == [("r", ReminderKind.OPEN_TOO_LONG)]
