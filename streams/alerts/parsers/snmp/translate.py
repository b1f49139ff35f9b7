"""Pure: one checked trap document plus the trap mapping → canonical `Alert`s.

Every matching rule gives its alerts (none when a threshold value sits in the hysteresis band).
A trap no rule matches is never dropped: it becomes an alert of its own, `SNMPTrap`, keyed by
trap OID and agent, with every varbind in its annotations.

Identity. An alert's labels are `alertname`, `resource`, `agent`, the agent's location
(`agents` table), the agent's and the rule's fixed labels and `labels_from`; the fingerprint is
Alertmanager's fingerprint of them. The trap OID is not among them, so a trap that clears
(upsTrapAlarmEntryRemoved) resolves the alert another trap raised (upsTrapAlarmEntryAdded, or
upsTrapOnBattery) when both name the same alert on the same resource.
"""
from __future__ import annotations

import math
from datetime import datetime
from typing import Mapping

from streams.alerts.fingerprint import label_fingerprint
from streams.alerts.model import Alert, AlertStatus, Severity
from streams.alerts.parsers.snmp.document import HEADER_OIDS, TrapDocument
from streams.alerts.parsers.snmp.rules import AgentRule, RuleStatus, TrapMapping, TrapRule

UNKNOWN_TRAP = "SNMPTrap"
_NO_AGENT = AgentRule(where="")


def translate(document: TrapDocument, mapping: TrapMapping, *, received_at: datetime, source: str) -> list[Alert]:
    """Return the alerts `document` stands for under `mapping` (see the module docstring)."""
    agent = mapping.agent_for(document) or _NO_AGENT
    rules = mapping.rules_for(document)
    if not rules:
        return [_unknown(document, agent, received_at, source)]
    return [alert for rule in rules for alert in _rule_alerts(rule, document, mapping, agent, received_at, source)]


def _rule_alerts(rule: TrapRule, document: TrapDocument, mapping: TrapMapping, agent: AgentRule,
                 received_at: datetime, source: str) -> list[Alert]:
    name, severity, summary = rule.alert, rule.severity, rule.summary
    extra_labels: dict[str, str] = {}
    notes: dict[str, str] = {}
    if rule.lookup:
        found = document.find(rule.lookup.varbind.oid)
        key = found.text if found else ""
        entry = rule.lookup.table.get(key)
        if entry is None:
            # Keep unknown keys apart: two different unlisted alarms must not share one alert.
            extra_labels[rule.lookup.varbind.name] = key
            notes["mapping_note"] = f"{rule.lookup.varbind.name} {key or '(absent)'} is not in lookup {rule.lookup.table_name}"
        else:
            name, severity, summary = entry.alert or name, entry.severity or severity, entry.summary or summary
    statuses, severity, value = _verdict(rule, document, severity, notes)
    if not statuses:
        return []  # inside a threshold's hysteresis band: the alert keeps its state
    resource_varbind = document.find(rule.resource.oid) if rule.resource else None
    resource = (resource_varbind.text if resource_varbind and resource_varbind.text else None) or agent.resource \
        or document.agent
    labels = _labels(name, resource, document, agent, {
        **rule.labels, **extra_labels,
        **{key: found.text for key, ref in rule.labels_from.items() if (found := document.find(ref.oid))},
    })
    templates = [template for template in (summary, rule.description) if template]
    variables = {
        **{var: found.text for template in templates for var in template.names
           if var in mapping.varbinds and (found := document.find(mapping.varbinds[var]))},
        "agent": document.agent, "resource": resource, "alertname": name, "severity": str(severity),
        "trap": rule.name, "trap_oid": document.trap_oid, "value": value or "",
        **{key: agent.location.get(key, "") for key in ("site", "room", "row", "rack")},
    }
    annotations = {
        **({"summary": summary.render(variables)} if summary else {}),
        **({"description": rule.description.render(variables)} if rule.description else {}),
        "trap": rule.name,
        **_trap_annotations(document),
        **notes,
    }
    return [_alert(name, status, severity, resource, labels, annotations, value, received_at, source, agent)
            for status in statuses]


def _verdict(rule: TrapRule, document: TrapDocument, severity: Severity,
             notes: dict[str, str]) -> tuple[list[AlertStatus], Severity, str | None]:
    """Which alerts to emit (firing, resolved, both for an event, none to hold), at which severity, with which value."""
    if rule.status is RuleStatus.RESOLVED:
        return [AlertStatus.RESOLVED], severity, None
    if rule.status is RuleStatus.EVENT:
        return [AlertStatus.FIRING, AlertStatus.RESOLVED], severity, None
    if rule.value is None:
        return [AlertStatus.FIRING], severity, None
    spec = rule.value
    found = document.find(spec.varbind.oid)
    raw = found.text if found else ""
    if rule.states is not None:
        if raw not in rule.states:
            notes["mapping_note"] = f"{spec.varbind.name} state {raw or '(absent)'} is not listed in states"
            return [AlertStatus.FIRING], severity, raw or None
        state = rule.states[raw]
        return [AlertStatus.RESOLVED if state is None else AlertStatus.FIRING], state or severity, raw
    try:
        number = float(raw.strip()) * spec.scale
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        notes["mapping_note"] = f"{spec.varbind.name} is {raw or '(absent)'!r}, not a number"
        return [AlertStatus.FIRING], severity, raw or None
    shown = f"{number:g}{' ' + spec.unit if spec.unit else ''}"
    if rule.thresholds is None:
        return [AlertStatus.FIRING], severity, shown
    judged = rule.thresholds.judge(number)
    if judged is None:
        return [], severity, shown
    return [judged[0]], judged[1], shown


def _labels(name: str, resource: str, document: TrapDocument, agent: AgentRule,
            extra: Mapping[str, str]) -> dict[str, str]:
    labels = {**agent.labels, **extra, **agent.location, "alertname": name, "resource": resource,
              "agent": document.agent}
    return {key: value for key, value in labels.items() if value}


def _trap_annotations(document: TrapDocument) -> dict[str, str]:
    """What the trap was, and every varbind but the two header ones (they are `trap_oid` and `uptime`)."""
    header = {"trap_oid": document.trap_oid, "snmp_version": document.snmp_version,
              "security_name": document.security_name}
    if document.uptime is not None:
        header["uptime"] = str(document.uptime)
    varbinds = {f"varbind.{v.oid}": v.text for v in document.varbinds if v.oid not in HEADER_OIDS}
    return {**header, **varbinds}


def _unknown(document: TrapDocument, agent: AgentRule, received_at: datetime, source: str) -> Alert:
    resource = agent.resource or document.agent
    labels = _labels(UNKNOWN_TRAP, resource, document, agent, {"trap_oid": document.trap_oid})
    oid = document.trap_oid or "(no snmpTrapOID.0)"
    annotations = {"summary": f"SNMP trap {oid} from {document.agent} matches no mapping",
                   **_trap_annotations(document)}
    return _alert(UNKNOWN_TRAP, AlertStatus.FIRING, Severity.WARNING, resource, labels, annotations, None,
                  received_at, source, agent)


def _alert(name: str, status: AlertStatus, severity: Severity, resource: str, labels: dict[str, str],
           annotations: dict[str, str], value: str | None, received_at: datetime, source: str,
           agent: AgentRule) -> Alert:
    return Alert(
        fingerprint=label_fingerprint(labels),
        source=source,
        status=status,
        severity=severity,
        name=name,
        resource=resource,
        location=dict(agent.location),
        labels=labels,
        annotations=annotations,
        starts_at=received_at,
        received_at=received_at,
        ends_at=received_at if status is AlertStatus.RESOLVED else None,
        value=value,
    )
