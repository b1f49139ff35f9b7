"""Pure: the declarative trap mapping format (reference: docs/snmp.md) — YAML texts in, checked frozen rules (`rules.py`) out.

A mapping file has four optional sections: `varbinds` (names for varbind OIDs), `lookups`
(tables from a varbind value to an alert name/severity/summary), `traps` (rules: which trap,
which alert) and `agents` (which device and location an agent is). Several files load as one
mapping, in order (the built-in UPS-MIB file first): names of varbinds and lookups are shared
by all files, a trap rule whose `name` was already loaded replaces the earlier one in place, and
agents rules are tried in file order. Everything is checked here, at start-up: an error names
the file, the entry and the field (`MappingError`), so a broken file stops the worker instead
of mis-paging later.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Sequence

import yaml

from streams.alerts.model import Severity
from streams.alerts.parsers.fields import LOCATION_KEYS
from streams.alerts.parsers.snmp.rules import (
    AgentRule,
    Lookup,
    LookupEntry,
    RuleStatus,
    Threshold,
    TrapMapping,
    TrapRule,
    ValueSpec,
    VarbindRef,
)
from streams.alerts.parsers.snmp.templates import Template, parse_template

SECTIONS = ("varbinds", "lookups", "traps", "agents")
TRAP_FIELDS = ("name", "oid", "oid_prefix", "when", "alert", "severity", "status", "summary", "description",
               "resource", "labels", "labels_from", "lookup", "value", "thresholds", "states")
AGENT_FIELDS = ("address", "varbind", "equals", "resource", "labels", *LOCATION_KEYS)
RESERVED_LABELS = frozenset({"alertname", "resource", "agent", *LOCATION_KEYS})
BUILTIN_VARIABLES = frozenset({"agent", "resource", "alertname", "severity", "trap", "trap_oid", "value", *LOCATION_KEYS})
CLEAR = "clear"
_OID = re.compile(r"[0-9]+(\.[0-9]+)*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file, the entry and the field."""


def load_mappings(sources: Sequence[tuple[str, str]]) -> TrapMapping:
    """Load mapping texts, each given as (file name for messages, YAML text), into one mapping.

    Raises:
        MappingError: naming the file, the entry and the field of the first problem.
    """
    files = [(where, _yaml(text, where)) for where, text in sources]
    varbinds: dict[str, tuple[str, str]] = {}  # name -> (oid, file)
    for where, data in files:
        for name, oid in _section(data, where, "varbinds", dict).items():
            _name(name, where, "varbinds")
            if name in BUILTIN_VARIABLES:
                raise MappingError(f"{where}: varbinds.{name}: {name!r} is a built-in template variable; pick another name")
            oid = _oid(oid, f"{where}: varbinds.{name}", "oid")
            if name in varbinds and varbinds[name][0] != oid:
                raise MappingError(f"{where}: varbinds.{name} is {oid} but {varbinds[name][1]} names it {varbinds[name][0]}")
            varbinds[name] = (oid, where)
    context = _Context({name: oid for name, (oid, _) in varbinds.items()})
    for where, data in files:
        for name, table in _section(data, where, "lookups", dict).items():
            _name(name, where, "lookups")
            if name in context.lookups:
                raise MappingError(f"{where}: lookups.{name} is already defined")
            context.lookups[name] = _lookup_table(table, f"{where}: lookups.{name}", context)
    rules: dict[str, TrapRule] = {}
    agents: list[AgentRule] = []
    for where, data in files:
        names: set[str] = set()
        for index, item in enumerate(_section(data, where, "traps", list)):
            rule = _trap_rule(item, f"{where}: traps[{index}]", context)
            if rule.name in names:
                raise MappingError(f"{rule.where}: name {rule.name!r} is used twice in this file")
            names.add(rule.name)
            rules[rule.name] = rule  # a later file's rule of the same name replaces the earlier one in place
        agents += [_agent_rule(item, f"{where}: agents[{index}]", context)
                   for index, item in enumerate(_section(data, where, "agents", list))]
    return TrapMapping(tuple(rules.values()), tuple(agents), context.varbinds)


@dataclass
class _Context:
    varbinds: dict[str, str]
    lookups: dict[str, dict[str, LookupEntry]] = field(default_factory=dict)

    @property
    def variables(self) -> frozenset[str]:
        return BUILTIN_VARIABLES | self.varbinds.keys()

    def ref(self, value: Any, where: str, field_name: str) -> VarbindRef:
        """A declared varbind name or a numeric OID."""
        if isinstance(value, str) and value in self.varbinds:
            return VarbindRef(self.varbinds[value], value)
        try:
            oid = _oid(value, where, field_name)
        except MappingError:
            raise MappingError(f"{where}: '{field_name}' must be a name from varbinds or a numeric OID, got {value!r}") from None
        return VarbindRef(oid, oid)


def _yaml(text: str, where: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"{where}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise MappingError(f"{where}: must be a mapping with sections {', '.join(SECTIONS)}")
    unknown = sorted(str(key) for key in data if key not in SECTIONS)
    if unknown:
        raise MappingError(f"{where}: unknown section {unknown[0]!r}; sections are {', '.join(SECTIONS)}")
    return data


def _section(data: dict[str, Any], where: str, name: str, kind: type) -> Any:
    value = data.get(name)
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise MappingError(f"{where}: '{name}' must be a {'mapping' if kind is dict else 'list'}")
    return value


def _trap_rule(item: Any, where: str, context: _Context) -> TrapRule:
    named = item.get("name") if isinstance(item, dict) else None
    where = f"{where} ({named})" if isinstance(named, str) else where
    item = _fields(item, where, TRAP_FIELDS)
    name = _name(item.get("name"), where, "name")
    alert = _name(item.get("alert"), where, "alert")
    oids = frozenset(_oid(oid, where, "oid") for oid in _one_or_many(item.get("oid"), where, "oid"))
    prefixes = tuple(_oid(oid, where, "oid_prefix") for oid in _one_or_many(item.get("oid_prefix"), where, "oid_prefix"))
    if not oids and not prefixes:
        raise MappingError(f"{where}: 'oid' or 'oid_prefix' is required")
    status = _choice(item.get("status", "firing"), where, "status", RuleStatus)
    value = _value_spec(item.get("value"), where, context) if "value" in item else None
    thresholds = _threshold(item["thresholds"], where) if "thresholds" in item else None
    states = _states(item["states"], where) if "states" in item else None
    if thresholds and states:
        raise MappingError(f"{where}: give 'thresholds' or 'states', not both")
    if (thresholds or states) and value is None:
        raise MappingError(f"{where}: 'thresholds' and 'states' need 'value' (which varbind to read)")
    if (thresholds or states) and status is not RuleStatus.FIRING:
        raise MappingError(f"{where}: 'thresholds' and 'states' decide firing or resolved themselves; drop 'status'")
    labels = _string_map(item.get("labels"), where, "labels")
    labels_from = {key: context.ref(ref, where, f"labels_from.{key}")
                   for key, ref in _string_map(item.get("labels_from"), where, "labels_from").items()}
    for key in [*labels, *labels_from]:
        if key in RESERVED_LABELS:
            raise MappingError(f"{where}: label {key!r} is set by alertdesk itself (location comes from 'agents')")
    return TrapRule(
        name=name, where=where, alert=alert, status=status, oids=oids, prefixes=prefixes,
        severity=_choice(item.get("severity", "warning"), where, "severity", Severity),
        when=_when(item.get("when"), where, context),
        summary=_template(item.get("summary"), where, "summary", context),
        description=_template(item.get("description"), where, "description", context),
        resource=context.ref(item["resource"], where, "resource") if "resource" in item else None,
        labels=labels, labels_from=labels_from,
        lookup=_lookup(item["lookup"], where, context) if "lookup" in item else None,
        value=value, thresholds=thresholds, states=states,
    )


def _agent_rule(item: Any, where: str, context: _Context) -> AgentRule:
    item = _fields(item, where, AGENT_FIELDS)
    if ("address" in item) == ("varbind" in item):
        raise MappingError(f"{where}: give 'address' (an IP or a network) or 'varbind' with 'equals', one of them")
    network = None
    if "address" in item:
        try:
            network = ipaddress.ip_network(_text(item["address"], where, "address"), strict=False)
        except ValueError as exc:
            raise MappingError(f"{where}: 'address' is not an IP address or network: {exc}") from None
    elif "equals" not in item:
        raise MappingError(f"{where}: 'varbind' needs 'equals' (the value that identifies the agent)")
    labels = _string_map(item.get("labels"), where, "labels")
    if RESERVED_LABELS & labels.keys():
        raise MappingError(f"{where}: label {min(RESERVED_LABELS & labels.keys())!r} is set by alertdesk itself")
    return AgentRule(
        where=where,
        network=network,
        varbind=context.ref(item["varbind"], where, "varbind") if "varbind" in item else None,
        equals=_scalar(item["equals"], where, "equals") if "equals" in item else "",
        resource=_scalar(item["resource"], where, "resource") if "resource" in item else None,
        location={key: _scalar(item[key], where, key) for key in LOCATION_KEYS if key in item},
        labels=labels,
    )


def _lookup_table(table: Any, where: str, context: _Context) -> dict[str, LookupEntry]:
    if not isinstance(table, dict) or not table:
        raise MappingError(f"{where}: must be a non-empty mapping of value -> alert name or {{alert, severity, summary}}")
    entries = {}
    for key, entry in table.items():
        at = f"{where}.{key}"
        if isinstance(entry, str):
            entries[_scalar(key, where, "key")] = LookupEntry(alert=_name(entry, at, "alert"))
            continue
        entry = _fields(entry, at, ("alert", "severity", "summary"))
        entries[_scalar(key, where, "key")] = LookupEntry(
            alert=_name(entry["alert"], at, "alert") if "alert" in entry else None,
            severity=_choice(entry["severity"], at, "severity", Severity) if "severity" in entry else None,
            summary=_template(entry.get("summary"), at, "summary", context),
        )
    return entries


def _lookup(item: Any, where: str, context: _Context) -> Lookup:
    item = _fields(item, f"{where}: lookup", ("varbind", "table"))
    table = item.get("table")
    if not isinstance(table, str) or table not in context.lookups:
        raise MappingError(f"{where}: lookup.table {table!r} is not defined under 'lookups'")
    return Lookup(table, context.ref(item.get("varbind"), where, "lookup.varbind"), context.lookups[table])


def _value_spec(item: Any, where: str, context: _Context) -> ValueSpec:
    item = _fields(item, f"{where}: value", ("varbind", "scale", "unit"))
    scale = _number(item.get("scale", 1), where, "value.scale")
    if scale == 0:
        raise MappingError(f"{where}: 'value.scale' must not be 0")
    return ValueSpec(context.ref(item.get("varbind"), where, "value.varbind"), scale,
                     _text(item.get("unit", ""), where, "value.unit"))


def _threshold(item: Any, where: str) -> Threshold:
    item = _fields(item, f"{where}: thresholds", ("above", "below", "clear_below", "clear_above"))
    above = "above" in item
    if above == ("below" in item):
        raise MappingError(f"{where}: thresholds need 'above' (bad when high) or 'below' (bad when low), one of them")
    side, clear_key = ("above", "clear_below") if above else ("below", "clear_above")
    if ("clear_above" if above else "clear_below") in item:
        raise MappingError(f"{where}: with thresholds.{side} the clear bound is '{clear_key}'")
    raw = item[side]
    if not isinstance(raw, dict) or not raw:
        raise MappingError(f"{where}: thresholds.{side} must map severities to bounds, e.g. {{critical: 35, major: 30}}")
    levels = sorted(((_number(bound, where, f"thresholds.{side}.{severity}"),
                      _choice(severity, where, f"thresholds.{side} key", Severity)) for severity, bound in raw.items()),
                    reverse=above)
    ranks = [severity.rank for _, severity in levels]
    distinct = len({bound for bound, _ in levels}) == len({rank for rank in ranks}) == len(levels)
    if ranks != sorted(ranks, reverse=True) or not distinct:
        raise MappingError(f"{where}: thresholds.{side}: a worse severity needs a more extreme bound, one bound each")
    least = levels[-1][0]
    clear = _number(item[clear_key], where, f"thresholds.{clear_key}") if clear_key in item else least
    if (clear > least) if above else (clear < least):
        raise MappingError(f"{where}: thresholds.{clear_key} ({clear:g}) must not be {side} the mildest bound ({least:g})")
    return Threshold(above, tuple(levels), clear)


def _states(item: Any, where: str) -> dict[str, Severity | None]:
    if not isinstance(item, dict) or not item:
        raise MappingError(f"{where}: 'states' must map values to a severity or 'clear', e.g. {{1: critical, 0: clear}}")
    return {_scalar(key, where, "states key"): None if verdict == CLEAR else _choice(
        verdict, where, f"states.{key}", Severity, extra=CLEAR) for key, verdict in item.items()}


def _when(item: Any, where: str, context: _Context) -> tuple[tuple[VarbindRef, frozenset[str]], ...]:
    return tuple((context.ref(key, where, "when"),
                  frozenset(_scalar(value, where, f"when.{key}") for value in _one_or_many(values, where, f"when.{key}")))
                 for key, values in _mapping(item, where, "when").items())


def _template(value: Any, where: str, field_name: str, context: _Context) -> Template | None:
    if value is None:
        return None
    try:
        return parse_template(_text(value, where, field_name), context.variables)
    except ValueError as exc:
        raise MappingError(f"{where}: '{field_name}': {exc}") from None


def _fields(item: Any, where: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise MappingError(f"{where}: must be a mapping with fields {', '.join(allowed)}")
    unknown = sorted(str(key) for key in item if key not in allowed)
    if unknown:
        raise MappingError(f"{where}: unknown field {unknown[0]!r}; fields are {', '.join(allowed)}")
    return item


def _mapping(value: Any, where: str, field_name: str) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MappingError(f"{where}: '{field_name}' must be a mapping")
    return value


def _string_map(value: Any, where: str, field_name: str) -> dict[str, str]:
    return {_name(key, where, f"{field_name} key"): _scalar(item, where, f"{field_name}.{key}")
            for key, item in _mapping(value, where, field_name).items()}


def _one_or_many(value: Any, where: str, field_name: str) -> list[Any]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if not items:
        raise MappingError(f"{where}: '{field_name}' must not be empty")
    return items


def _scalar(value: Any, where: str, field_name: str) -> str:
    """A value compared with varbind text: a string, or an integer written as one."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MappingError(f"{where}: '{field_name}' is {value!r}; write it in quotes (YAML reads it as a "
                           f"{type(value).__name__}, never what a varbind holds)")
    if not isinstance(value, (str, int)):
        raise MappingError(f"{where}: '{field_name}' must be a string or an integer")
    return str(value)


def _text(value: Any, where: str, field_name: str) -> str:
    if not isinstance(value, str):
        raise MappingError(f"{where}: '{field_name}' must be a string, got {type(value).__name__}")
    return value


def _name(value: Any, where: str, field_name: str) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value) or len(value) > 128:
        raise MappingError(f"{where}: '{field_name}' must be a name (letters, digits, _ . -, starting with a letter), "
                           f"got {value!r}")
    return value


def _oid(value: Any, where: str, field_name: str) -> str:
    if isinstance(value, float):
        raise MappingError(f"{where}: '{field_name}' {value!r} was read as a number; write the OID in quotes")
    text = value.strip().removeprefix(".") if isinstance(value, str) else ""
    if not _OID.fullmatch(text):
        raise MappingError(f"{where}: '{field_name}' must be a numeric OID like 1.3.6.1.2.1.33.2.1, got {value!r}")
    return text


def _number(value: Any, where: str, field_name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MappingError(f"{where}: '{field_name}' must be a number, got {value!r}")
    return float(value)


def _choice(value: Any, where: str, field_name: str, choices: type[StrEnum], extra: str = "") -> Any:
    allowed = [choice.value for choice in choices] + ([extra] if extra else [])
    try:
        return choices(value)
    except (TypeError, ValueError):
        raise MappingError(f"{where}: '{field_name}' must be one of {', '.join(allowed)}, got {value!r}") from None
