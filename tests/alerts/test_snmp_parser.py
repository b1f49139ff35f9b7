"""The "snmp" parser: trap documents (as the receiver writes them, from pysnmp values) → alerts, through the mappings.

Covers the built-in UPS-MIB mapping trap by trap, the shipped vendor examples (thresholds with
hysteresis, leak and smoke states), the agents table, unknown traps and garbage input.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pysnmp.proto.rfc1902 import Integer32, IpAddress, ObjectIdentifier, ObjectName, OctetString, TimeTicks

from streams.alerts.model import Alert, AlertStatus, Severity
from streams.alerts.parsers import ParseError
from streams.alerts.parsers.snmp import parse_snmp, snmp_parser
from streams.alerts.parsers.snmp.translate import UNKNOWN_TRAP
from streams.alerts.receivers.snmp_document import SNMP_TRAP_OID, SYS_UPTIME, trap_document

NOW = datetime(2026, 3, 1, 2, 30, tzinfo=timezone.utc)
SHIPPED = sorted(Path(__file__).resolve().parents[2].glob("deploy/snmp/*.yaml"))
UPS = "1.3.6.1.2.1.33"
ON_BATTERY, TEST_COMPLETED, ALARM_ADDED, ALARM_REMOVED = (f"{UPS}.2.{n}" for n in (1, 2, 3, 4))
ALARM_ID, ALARM_DESCR = f"{UPS}.1.6.2.1.1.7", f"{UPS}.1.6.2.1.2.7"
PROBE = "1.3.6.1.4.1.32473.1"
SYS_NAME = "1.3.6.1.2.1.1.5.0"


def body(trap_oid: str, *varbinds: tuple[str, object], address: str = "10.20.1.11") -> str:
    """A trap document exactly as the receiver writes it for a v2c trap with these varbinds."""
    binds = [(SYS_UPTIME, TimeTicks(4200)), (SNMP_TRAP_OID, ObjectIdentifier(trap_oid)), *varbinds]
    document = trap_document(
        snmp_version="v2c", pdu="trap", transport_address=address, transport_port=1024,
        security_name="community-1", security_level="noAuthNoPriv", context_engine_id=b"\x80\x00\x1f\x88\x80",
        context_name="", varbinds=[(ObjectName(oid), value) for oid, value in binds],
    )
    return json.dumps(document, ensure_ascii=False)


def parse(text: str, parser=parse_snmp) -> list[Alert]:
    alerts = parser(text, received_at=NOW, source="snmp")
    for alert in alerts:
        assert Alert.from_dict(json.loads(json.dumps(alert.to_dict()))) == alert  # survives a topic
    return alerts


VENDOR = snmp_parser(SHIPPED)  # the built-in mapping plus every shipped example


def alarm(trap: str, descr: str) -> str:
    return body(trap, (ALARM_ID, Integer32(7)), (ALARM_DESCR, ObjectIdentifier(descr)))


@pytest.mark.parametrize("trap_oid", [ON_BATTERY, f"{UPS}.2.0.1"])  # v2 notification and v1-converted forms
def test_ups_on_battery(trap_oid: str) -> None:
    [alert] = parse(body(trap_oid, (f"{UPS}.1.2.3.0", Integer32(12)), (f"{UPS}.1.2.2.0", Integer32(95)),
                         (f"{UPS}.1.9.7.0", Integer32(2))))
    assert (alert.name, alert.status, alert.severity, alert.resource, alert.value) == (
        "UPSOnBattery", AlertStatus.FIRING, Severity.CRITICAL, "10.20.1.11", "12 min")
    assert alert.labels == {"alertname": "UPSOnBattery", "resource": "10.20.1.11", "agent": "10.20.1.11"}
    assert alert.annotations["summary"] == "UPS 10.20.1.11 is on battery: 12 min of runtime left after 95 s"
    assert "Low-battery warning at 2 min" in alert.annotations["description"]
    assert (alert.starts_at, alert.ends_at, alert.annotations["trap_oid"]) == (NOW, None, trap_oid)


@pytest.mark.parametrize(
    ("descr", "name", "severity"),
    [
        (f"{UPS}.1.6.3.2", "UPSOnBattery", Severity.CRITICAL),
        (f"{UPS}.1.6.3.3", "UPSLowBattery", Severity.CRITICAL),
        (f"{UPS}.1.6.3.5", "UPSTemperatureBad", Severity.MAJOR),
        (f"{UPS}.1.6.3.6", "UPSInputBad", Severity.MAJOR),
        (f"{UPS}.1.6.3.8", "UPSOutputOverload", Severity.MAJOR),
        (f"{UPS}.1.6.3.9", "UPSOnBypass", Severity.MAJOR),
        (f"{UPS}.1.6.3.24", "UPSTestInProgress", Severity.INFO),
    ],
)
def test_alarm_added_fires_and_removed_resolves_the_same_alert(descr: str, name: str, severity: Severity) -> None:
    [added] = parse(alarm(ALARM_ADDED, descr))
    [removed] = parse(alarm(ALARM_REMOVED, descr))
    assert (added.name, added.status, added.severity) == (name, AlertStatus.FIRING, severity)
    assert (removed.name, removed.status, removed.ends_at) == (name, AlertStatus.RESOLVED, NOW)
    assert removed.fingerprint == added.fingerprint


def test_the_on_battery_trap_is_resolved_by_the_alarm_removed_trap() -> None:
    [on_battery] = parse(body(ON_BATTERY, (f"{UPS}.1.2.3.0", Integer32(30))))
    [removed] = parse(alarm(ALARM_REMOVED, f"{UPS}.1.6.3.2"))
    assert (removed.fingerprint, removed.status) == (on_battery.fingerprint, AlertStatus.RESOLVED)


def test_an_unlisted_alarm_keeps_an_identity_of_its_own() -> None:
    vendor_alarm, other = "1.3.6.1.4.1.32473.3.1.5", "1.3.6.1.4.1.32473.3.1.6"
    [added] = parse(alarm(ALARM_ADDED, vendor_alarm))
    [removed] = parse(alarm(ALARM_REMOVED, vendor_alarm))
    [different] = parse(alarm(ALARM_ADDED, other))
    assert (added.name, added.severity, added.labels["upsAlarmDescr"]) == ("UPSAlarm", Severity.MAJOR, vendor_alarm)
    assert "is not in lookup upsWellKnownAlarms" in added.annotations["mapping_note"]
    assert removed.fingerprint == added.fingerprint != different.fingerprint


@pytest.mark.parametrize(
    ("result", "severity", "summary"),
    [(1, Severity.INFO, "UPS 10.20.1.11: self-test passed"),
     (3, Severity.MAJOR, "UPS 10.20.1.11: self-test failed: battery 2 weak")],
)
def test_test_completed_is_an_event_that_fires_and_resolves_at_once(result: int, severity: Severity, summary: str) -> None:
    alerts = parse(body(TEST_COMPLETED, (f"{UPS}.1.7.1.0", ObjectIdentifier(f"{UPS}.1.7.7.3")),
                        (f"{UPS}.1.7.3.0", Integer32(result)), (f"{UPS}.1.7.4.0", OctetString("battery 2 weak"))))
    assert [(a.name, a.status, a.severity) for a in alerts] == [
        ("UPSTestCompleted", AlertStatus.FIRING, severity), ("UPSTestCompleted", AlertStatus.RESOLVED, severity)]
    assert alerts[0].fingerprint == alerts[1].fingerprint and alerts[0].annotations["summary"] == summary


def temperature(tenths: int) -> str:
    return body(f"{PROBE}.0.1", (f"{PROBE}.2.1.1.3", Integer32(3)), (f"{PROBE}.2.1.2.3", OctetString("cold aisle top")),
                (f"{PROBE}.2.1.3.3", Integer32(tenths)))


def test_temperature_thresholds_with_hysteresis() -> None:
    # critical above 35, major above 30, clear below 28: 28..30 is the band where nothing changes.
    steps = [(250, "resolved", None), (290, None, None), (312, "firing", "major"), (361, "firing", "critical"),
             (320, "firing", "major"), (295, None, None), (279, "resolved", None)]
    fingerprints = set()
    for tenths, status, severity in steps:
        alerts = parse(temperature(tenths), VENDOR)
        if status is None:
            assert alerts == [], f"{tenths / 10} °C is inside the hysteresis band"
            continue
        [alert] = alerts
        fingerprints.add(alert.fingerprint)
        assert (alert.name, alert.status, alert.value) == ("RackTemperatureHigh", status, f"{tenths / 10:g} °C")
        if severity:
            assert alert.severity == severity
    assert len(fingerprints) == 1
    assert alert.labels["sensor"] == "cold aisle top"


def test_one_humidity_value_judges_both_the_high_and_the_low_alert() -> None:
    def humidity(tenths: int) -> dict[str, tuple[str, str]]:
        alerts = parse(body(f"{PROBE}.0.2", (f"{PROBE}.2.1.4.1", Integer32(tenths))), VENDOR)
        return {a.name: (str(a.status), str(a.severity)) for a in alerts}

    assert humidity(850) == {"RackHumidityHigh": ("firing", "major"), "RackHumidityLow": ("resolved", "warning")}
    assert humidity(500) == {"RackHumidityHigh": ("resolved", "warning"), "RackHumidityLow": ("resolved", "warning")}
    assert humidity(250) == {"RackHumidityHigh": ("resolved", "warning"), "RackHumidityLow": ("firing", "warning")}
    assert humidity(150) == {"RackHumidityHigh": ("resolved", "warning"), "RackHumidityLow": ("firing", "major")}
    assert humidity(330) == {"RackHumidityHigh": ("resolved", "warning")}  # low alert holds between 30 and 35


@pytest.mark.parametrize(
    ("state", "expected"),
    [(1, {"WaterLeak": "firing critical", "WaterLeakSensorFault": "resolved"}),
     (0, {"WaterLeak": "resolved", "WaterLeakSensorFault": "resolved"}),
     (2, {"WaterLeakSensorFault": "firing minor"})],  # a cable fault leaves the leak alert as it was
)
def test_water_leak_states(state: int, expected: dict) -> None:
    alerts = parse(body(f"{PROBE}.0.3", (f"{PROBE}.3.1.2.0", Integer32(state))), VENDOR)
    assert {a.name: f"{a.status} {a.severity}" if a.status is AlertStatus.FIRING else str(a.status)
            for a in alerts} == expected


def test_smoke_states_and_an_unlisted_state_still_fires() -> None:
    [smoke] = parse(body(f"{PROBE}.0.4", (f"{PROBE}.3.2.2.0", Integer32(1))), VENDOR)
    [clear] = parse(body(f"{PROBE}.0.4", (f"{PROBE}.3.2.2.0", Integer32(0))), VENDOR)
    [odd] = parse(body(f"{PROBE}.0.4", (f"{PROBE}.3.2.2.0", Integer32(9))), VENDOR)
    assert (smoke.name, smoke.status, smoke.severity) == ("SmokeDetected", AlertStatus.FIRING, Severity.CRITICAL)
    assert clear.status is AlertStatus.RESOLVED and clear.fingerprint == smoke.fingerprint == odd.fingerprint
    assert (odd.status, odd.severity) == (AlertStatus.FIRING, Severity.WARNING)
    assert odd.annotations["mapping_note"] == "envSmokeState state 9 is not listed in states"


def test_a_value_that_is_not_a_number_still_fires_with_a_note() -> None:
    [alert] = parse(body(f"{PROBE}.0.1", (f"{PROBE}.2.1.3.1", OctetString("n/a"))), VENDOR)
    assert (alert.status, alert.severity, alert.value) == (AlertStatus.FIRING, Severity.WARNING, "n/a")
    assert alert.annotations["mapping_note"] == "envTemperature is 'n/a', not a number"


@pytest.mark.parametrize("text", ["n/a", "nan", "-inf", "1e999", ""])
def test_a_value_that_is_not_a_finite_number_fires_with_a_note(text: str) -> None:
    [alert] = parse(body(f"{PROBE}.0.1", (f"{PROBE}.2.1.3.1", OctetString(text))), VENDOR)
    assert (alert.status, alert.severity) == (AlertStatus.FIRING, Severity.WARNING)
    assert alert.annotations["mapping_note"].startswith("envTemperature is ")


VENDOR_TRAPS = [f"{PROBE}.0.{n}" for n in range(1, 5)] + [f"1.3.6.1.4.1.32473.2.0.{n}" for n in range(1, 5)] + [
    ON_BATTERY, TEST_COMPLETED, ALARM_ADDED, ALARM_REMOVED]
VALUES = st.integers(-(2**31), 2**31 - 1).map(Integer32) | st.text(max_size=20).map(lambda t: OctetString(t.encode(
    "utf-8", "surrogatepass"))) | st.sampled_from(["1.3.6.1.2.1.33.1.6.3.2", "1.3.6"]).map(ObjectIdentifier)


@settings(max_examples=300, deadline=None)
@given(trap_oid=st.sampled_from(VENDOR_TRAPS), value=VALUES, column=st.sampled_from(
    [f"{PROBE}.2.1.3", f"{PROBE}.2.1.4", f"{PROBE}.3.1.2", f"{PROBE}.3.2.2", "1.3.6.1.4.1.32473.2.3.1.2",
     "1.3.6.1.4.1.32473.2.1.2", f"{UPS}.1.6.2.1.2", f"{UPS}.1.7.3", SYS_NAME]))
def test_any_value_in_any_mapped_varbind_gives_alerts_never_an_exception(trap_oid: str, value, column: str) -> None:
    alerts = parse(body(trap_oid, (f"{column}.1", value)), VENDOR)
    assert all(alert.source == "snmp" and alert.fingerprint for alert in alerts)


def test_agents_table_by_sysname_gives_resource_and_location() -> None:
    [alert] = parse(body(f"{PROBE}.0.4", (SYS_NAME, OctetString("probe-dc1-2f-b07")), (f"{PROBE}.3.2.2.0", Integer32(1)),
                         address="192.0.2.7"), VENDOR)
    assert alert.resource == "dc1-2f-probe-b07" and alert.site == "dc1"
    assert alert.location == {"site": "dc1", "room": "2F", "row": "B", "rack": "B07"}
    assert alert.labels == {"alertname": "SmokeDetected", "resource": "dc1-2f-probe-b07", "agent": "192.0.2.7",
                            "site": "dc1", "room": "2F", "row": "B", "rack": "B07"}
    assert alert.annotations["summary"] == "dc1-2f-probe-b07: smoke detected in dc1 2F"


def test_agents_table_by_network_and_no_match() -> None:
    [placed] = parse(body(f"{PROBE}.0.4", (f"{PROBE}.3.2.2.0", Integer32(1)), address="10.20.30.44"), VENDOR)
    [unplaced] = parse(body(f"{PROBE}.0.4", (f"{PROBE}.3.2.2.0", Integer32(1)), address="10.99.0.1"), VENDOR)
    assert (placed.resource, dict(placed.location)) == ("10.20.30.44", {"site": "dc1", "room": "2F"})
    assert (unplaced.resource, dict(unplaced.location)) == ("10.99.0.1", {})


def test_a_v1_trap_is_attributed_to_its_agent_addr_not_the_forwarder() -> None:
    [alert] = parse(body(f"{PROBE}.0.4", ("1.3.6.1.6.3.18.1.3.0", IpAddress("10.20.30.5")),
                         (f"{PROBE}.3.2.2.0", Integer32(1)), address="192.0.2.1"), VENDOR)
    assert (alert.labels["agent"], alert.site) == ("10.20.30.5", "dc1")


def test_an_unknown_trap_becomes_an_alert_with_every_varbind() -> None:
    [alert] = parse(body("1.3.6.1.4.1.9.9.41.2.0.1", ("1.3.6.1.4.1.9.9.41.1.2.3.1.2.7", OctetString("SYS")),
                         ("1.3.6.1.4.1.9.9.41.1.2.3.1.5.7", OctetString("二号机房 空调 停机".encode())),
                         ("1.3.6.1.4.1.9.9.41.1.2.3.1.3.7", Integer32(4)),
                         ("1.3.6.1.4.1.9.9.41.1.2.3.1.9.7", OctetString(hexValue="00ff10"))))
    assert (alert.name, alert.status, alert.severity) == (UNKNOWN_TRAP, AlertStatus.FIRING, Severity.WARNING)
    assert alert.labels == {"alertname": "SNMPTrap", "trap_oid": "1.3.6.1.4.1.9.9.41.2.0.1", "agent": "10.20.1.11",
                            "resource": "10.20.1.11"}
    varbinds = {key: value for key, value in alert.annotations.items() if key.startswith("varbind.")}
    assert varbinds == {
        "varbind.1.3.6.1.4.1.9.9.41.1.2.3.1.2.7": "SYS",
        "varbind.1.3.6.1.4.1.9.9.41.1.2.3.1.5.7": "二号机房 空调 停机",
        "varbind.1.3.6.1.4.1.9.9.41.1.2.3.1.3.7": "4",
        "varbind.1.3.6.1.4.1.9.9.41.1.2.3.1.9.7": "0x00ff10",
    }
    assert (alert.annotations["uptime"], alert.annotations["snmp_version"]) == ("4200", "v2c")
    assert alert.annotations["summary"] == "SNMP trap 1.3.6.1.4.1.9.9.41.2.0.1 from 10.20.1.11 matches no mapping"


def test_unknown_traps_of_two_agents_are_two_alerts() -> None:
    [a] = parse(body("1.3.6.1.4.1.9.1", address="10.0.0.1"))
    [b] = parse(body("1.3.6.1.4.1.9.1", address="10.0.0.2"))
    [c] = parse(body("1.3.6.1.4.1.9.2", address="10.0.0.1"))
    assert len({a.fingerprint, b.fingerprint, c.fingerprint}) == 3


def test_chinese_text_in_a_mapped_trap() -> None:
    [alert] = parse(body(f"{PROBE}.0.1", (f"{PROBE}.2.1.2.1", OctetString("冷通道 顶部".encode())),
                         (f"{PROBE}.2.1.3.1", Integer32(372))), VENDOR)
    assert alert.annotations["summary"] == "10.20.1.11 冷通道 顶部: inlet temperature 37.2 °C"
    assert alert.labels["sensor"] == "冷通道 顶部"


def test_every_shipped_example_loads_and_maps_its_traps() -> None:
    assert [path.name for path in SHIPPED] == ["precision-air-conditioner.yaml", "temperature-humidity-probe.yaml"]
    crac = "1.3.6.1.4.1.32473.2"
    [active] = parse(body(f"{crac}.0.1", (f"{crac}.3.1.2.4", Integer32(4)), (f"{crac}.3.1.3.4", OctetString("FAN 1")),
                          address="10.20.40.11"), VENDOR)
    [cleared] = parse(body(f"{crac}.0.2", (f"{crac}.3.1.2.4", Integer32(4)), address="10.20.40.11"), VENDOR)
    [hot] = parse(body(f"{crac}.0.3", (f"{crac}.2.1.0", Integer32(335)), address="10.20.40.11"), VENDOR)
    [stopped] = parse(body(f"{crac}.0.4", (f"{crac}.1.2.0", Integer32(3)), address="10.20.40.11"), VENDOR)
    assert (active.name, active.severity, active.resource, active.site) == (
        "CRACFanFailure", Severity.CRITICAL, "dc1-2f-crac-01", "dc1")
    assert (cleared.status, cleared.fingerprint) == (AlertStatus.RESOLVED, active.fingerprint)
    assert (hot.name, hot.severity, hot.value) == ("CRACReturnAirTemperatureHigh", Severity.CRITICAL, "33.5 °C")
    assert (stopped.name, stopped.severity) == ("CRACStopped", Severity.CRITICAL)


def test_a_vendor_rule_replaces_a_built_in_one_of_the_same_name(tmp_path: Path) -> None:
    override = tmp_path / "ups-site.yaml"
    override.write_text("traps:\n  - {name: upsTrapOnBattery, oid: 1.3.6.1.2.1.33.2.1, alert: MainsLost, severity: major}\n")
    [alert] = parse(body(ON_BATTERY), snmp_parser([override]))
    assert (alert.name, alert.severity) == ("MainsLost", Severity.MAJOR)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "body is not valid JSON"),
        ("\x00\xff garbage", "body is not valid JSON"),
        ("[]", "trap document: must be a JSON object, got array"),
        ("{}", "trap document: 'varbinds' must be an array, got null"),
        ('{"varbinds": []}', "trap document: 'trap_oid' is required"),
        ('{"varbinds": [], "trap_oid": "1.3.x"}', "trap document: 'trap_oid' must be a numeric dotted OID"),
        ('{"varbinds": [], "trap_oid": "", "uptime": "5"}', "trap document: 'uptime' must be an integer or null"),
        ('{"varbinds": [1], "trap_oid": "", "snmp_version": "v2c", "pdu": "trap", "transport_address": "a",'
         ' "security_name": "c"}', "trap document: varbind #0: must be a JSON object, got number"),
        ('{"varbinds": [{"oid": "1.3", "type": "Integer32"}], "trap_oid": "", "snmp_version": "v2c", "pdu": "trap",'
         ' "transport_address": "a", "security_name": "c"}', "trap document: varbind #0: 'value' is required"),
        ('{"varbinds": [{"oid": "1.3", "type": "Integer32", "value": true}], "trap_oid": "", "snmp_version": "v2c",'
         ' "pdu": "trap", "transport_address": "a", "security_name": "c"}', "'value' must be a string, an integer or null"),
        ('{"varbinds": [{"oid": "1.3", "type": "OctetString", "value": "zz", "encoding": "hex"}], "trap_oid": "",'
         ' "snmp_version": "v2c", "pdu": "trap", "transport_address": "a", "security_name": "c"}',
         "must be lowercase hex digit pairs"),
        (json.dumps({"varbinds": [{"oid": "1.3", "type": "Null", "value": None}] * 1001, "trap_oid": ""}),
         "'varbinds' has 1001 entries; at most 1000 are accepted"),
    ],
)
def test_garbage_is_a_parse_error_naming_the_field(text: str, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_snmp(text, received_at=NOW, source="snmp")
    assert reason in caught.value.reason
