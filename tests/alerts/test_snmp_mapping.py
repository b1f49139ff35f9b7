"""Trap mapping files: every mistake is refused at load with the file, the entry and the field named; thresholds and templates."""
from __future__ import annotations

from pathlib import Path

import pytest

from streams.alerts.model import AlertStatus, Severity
from streams.alerts.parsers.snmp.mapping import MappingError, load_mappings
from streams.alerts.parsers.snmp.mapping_files import BUILTIN_NAME, builtin_text, load_mapping_files
from streams.alerts.parsers.snmp.rules import Threshold
from streams.alerts.parsers.snmp.templates import parse_template

TRAP = "traps:\n  - {name: t1, oid: 1.3.6.1.4.1.32473.0.1, alert: A"
VALUE = ", value: {varbind: 1.3.6.1.4.1.32473.1}"


def load(text: str) -> None:
    load_mappings([(BUILTIN_NAME, builtin_text()), ("vendor.yaml", text)])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("traps: [", "vendor.yaml: not valid YAML: while parsing a flow node"),
        ("- a\n- b\n", "vendor.yaml: must be a mapping with sections varbinds, lookups, traps, agents"),
        ("trap: []\n", "vendor.yaml: unknown section 'trap'; sections are varbinds, lookups, traps, agents"),
        ("traps: {a: 1}\n", "vendor.yaml: 'traps' must be a list"),
        ("traps:\n  - {oid: 1.3.6.1.4.1.32473.0.1, alert: A}\n", "vendor.yaml: traps[0]: 'name' must be a name"),
        (TRAP + ", severty: major}\n", "vendor.yaml: traps[0] (t1): unknown field 'severty'; fields are name, oid"),
        (TRAP + ", severity: high}\n",
         "traps[0] (t1): 'severity' must be one of critical, major, minor, warning, info, got 'high'"),
        ("traps:\n  - {name: t1, alert: A}\n", "traps[0] (t1): 'oid' or 'oid_prefix' is required"),
        ("traps:\n  - {name: t1, alert: A, oid: 1.3}\n", "traps[0] (t1): 'oid' 1.3 was read as a number; write the OID in quotes"),
        ("traps:\n  - {name: t1, alert: A, oid: 'iso.3.6'}\n", "'oid' must be a numeric OID like 1.3.6.1.2.1.33.2.1, got 'iso.3.6'"),
        ("traps:\n  - {name: t1, oid: 1.3.6.1.4.1.32473.0.1}\n", "traps[0] (t1): 'alert' must be a name"),
        (TRAP + ", status: cleared}\n", "'status' must be one of firing, resolved, event, got 'cleared'"),
        (TRAP + ", thresholds: {above: {major: 30}}}\n", "traps[0] (t1): 'thresholds' and 'states' need 'value'"),
        (TRAP + VALUE + ", thresholds: {above: {major: 30}, below: {major: 10}}}\n",
         "thresholds need 'above' (bad when high) or 'below' (bad when low), one of them"),
        (TRAP + VALUE + ", thresholds: {above: {critical: 30, major: 35}}}\n",
         "thresholds.above: a worse severity needs a more extreme bound, one bound each"),
        (TRAP + VALUE + ", thresholds: {below: {critical: 20, major: 20}}}\n",
         "thresholds.below: a worse severity needs a more extreme bound, one bound each"),
        (TRAP + VALUE + ", thresholds: {above: {major: 30}, clear_below: 31}}\n",
         "thresholds.clear_below (31) must not be above the mildest bound (30)"),
        (TRAP + VALUE + ", thresholds: {above: {major: 30}, clear_above: 25}}\n",
         "with thresholds.above the clear bound is 'clear_below'"),
        (TRAP + VALUE + ", thresholds: {above: {major: '30'}}}\n", "'thresholds.above.major' must be a number, got '30'"),
        (TRAP + VALUE + ", states: {1: alarm}}\n", "'states.1' must be one of critical, major, minor, warning, info, clear"),
        (TRAP + VALUE + ", states: {on: critical}}\n", "'states key' is True; write it in quotes"),
        (TRAP + VALUE + ", states: {1: critical}, status: resolved}\n",
         "'thresholds' and 'states' decide firing or resolved themselves; drop 'status'"),
        (TRAP + VALUE + ", states: {1: critical}, thresholds: {above: {major: 1}}}\n", "give 'thresholds' or 'states', not both"),
        (TRAP + ", summary: 'too hot: {tempC}'}\n", "traps[0] (t1): 'summary': unknown variable {tempC}; known are"),
        (TRAP + ", summary: 'a { b'}\n", "'summary': unbalanced '{' at character 2; write {{ for a literal brace"),
        (TRAP + ", lookup: {varbind: upsAlarmDescr, table: alarms}}\n", "lookup.table 'alarms' is not defined under 'lookups'"),
        (TRAP + ", resource: sysName}\n", "'resource' must be a name from varbinds or a numeric OID, got 'sysName'"),
        (TRAP + ", labels: {site: dc1}}\n", "label 'site' is set by alertdesk itself (location comes from 'agents')"),
        (TRAP + ", labels: {team: {a: b}}}\n", "'labels.team' must be a string or an integer"),
        (TRAP + ", when: {upsAlarmDescr: 1.5}}\n", "'when.upsAlarmDescr' is 1.5; write it in quotes"),
        ("varbinds: {upsAlarmDescr: 1.3.6.1.4.1.1}\n",
         "vendor.yaml: varbinds.upsAlarmDescr is 1.3.6.1.4.1.1 but ups-mib.yaml (built in) names it 1.3.6.1.2.1.33.1.6.2.1.2"),
        ("varbinds: {value: 1.3.6.1.4.1.1}\n", "varbinds.value: 'value' is a built-in template variable"),
        ("lookups: {upsTestResults: {1: A}}\n", "vendor.yaml: lookups.upsTestResults is already defined"),
        ("lookups: {codes: {1: {alert: A, colour: red}}}\n", "lookups.codes.1: unknown field 'colour'"),
        ("lookups: {codes: []}\n", "lookups.codes: must be a non-empty mapping"),
        (TRAP + "}\n" + TRAP.removeprefix("traps:\n") + "}\n", "vendor.yaml: traps[1] (t1): name 't1' is used twice in this file"),
        ("agents:\n  - {address: 10.0.0.1, varbind: sysName, equals: x}\n",
         "vendor.yaml: agents[0]: give 'address' (an IP or a network) or 'varbind' with 'equals', one of them"),
        ("agents:\n  - {address: 10.0.0.300}\n", "agents[0]: 'address' is not an IP address or network"),
        ("agents:\n  - {varbind: 1.3.6.1.2.1.1.5.0}\n", "agents[0]: 'varbind' needs 'equals'"),
        ("agents:\n  - {address: 10.0.0.1, labels: {agent: x}}\n", "agents[0]: label 'agent' is set by alertdesk itself"),
        ("agents:\n  - {address: 10.0.0.1, building: A}\n", "agents[0]: unknown field 'building'"),
    ],
)
def test_a_bad_mapping_is_refused_with_file_entry_and_field(text: str, message: str) -> None:
    with pytest.raises(MappingError) as caught:
        load(text)
    assert message in str(caught.value)


def test_an_empty_file_and_an_agents_only_file_are_fine() -> None:
    load("")
    load("agents:\n  - {address: 10.0.0.0/8, site: dc1, row: 3}\n")


def test_a_missing_or_binary_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match=f"{tmp_path}/nope.yaml: cannot read the SNMP mapping file: No such file"):
        load_mapping_files([tmp_path / "nope.yaml"])
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(MappingError, match="bin.yaml: not UTF-8 text"):
        load_mapping_files([tmp_path / "bin.yaml"])


def test_the_built_in_mapping_covers_the_rfc_1628_traps_and_well_known_alarms() -> None:
    mapping = load_mapping_files([])
    assert [rule.name for rule in mapping.traps] == [
        "upsTrapOnBattery", "upsTrapTestCompleted", "upsTrapAlarmEntryAdded", "upsTrapAlarmEntryRemoved"]
    alarms = mapping.traps[2].lookup.table
    assert len(alarms) == 24 and alarms["1.3.6.1.2.1.33.1.6.3.3"].alert == "UPSLowBattery"


HOT = Threshold(above=True, levels=((35.0, Severity.CRITICAL), (30.0, Severity.MAJOR)), clear=28.0)
DRY = Threshold(above=False, levels=((20.0, Severity.MAJOR), (30.0, Severity.WARNING)), clear=35.0)


@pytest.mark.parametrize(
    ("threshold", "value", "verdict"),
    [
        (HOT, 40, (AlertStatus.FIRING, Severity.CRITICAL)),
        (HOT, 35, (AlertStatus.FIRING, Severity.MAJOR)),  # "above 35" is strictly above
        (HOT, 30.1, (AlertStatus.FIRING, Severity.MAJOR)),
        (HOT, 30, None),  # the band between clear (28) and the mildest bound (30) holds
        (HOT, 28, None),
        (HOT, 27.9, (AlertStatus.RESOLVED, Severity.MAJOR)),
        (DRY, 10, (AlertStatus.FIRING, Severity.MAJOR)),
        (DRY, 25, (AlertStatus.FIRING, Severity.WARNING)),
        (DRY, 33, None),
        (DRY, 35.5, (AlertStatus.RESOLVED, Severity.WARNING)),
    ],
)
def test_threshold_hysteresis(threshold: Threshold, value: float, verdict) -> None:
    assert threshold.judge(value) == verdict


def test_thresholds_load_sorted_with_the_mildest_bound_as_default_clear() -> None:
    rule = load_mappings([("v.yaml", TRAP + VALUE + ", thresholds: {above: {major: 30, critical: 35}}}\n")]).traps[0]
    assert rule.thresholds == Threshold(True, ((35.0, Severity.CRITICAL), (30.0, Severity.MAJOR)), 30.0)


def test_templates_render_known_names_and_literal_braces() -> None:
    template = parse_template("{{{resource}}} at {value} ({missing})", {"resource", "value", "missing"})
    assert template.names == ("resource", "value", "missing")
    assert template.render({"resource": "ups-1", "value": "12 min"}) == "{ups-1} at 12 min (?)"
    with pytest.raises(ValueError, match="is not a variable name"):
        parse_template("{a b}", {"a"})
