"""Pure: the trap mapping's rules once loaded — which traps a rule matches, thresholds with hysteresis, agents.

`mapping.py` builds these from the YAML format (docs/snmp.md) and checks everything on the way;
`translate.py` applies them to trap documents. All frozen: a loaded mapping never changes.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Mapping

from streams.alerts.model import AlertStatus, Severity
from streams.alerts.parsers.snmp.document import TrapDocument
from streams.alerts.parsers.snmp.templates import Template


class RuleStatus(StrEnum):
    """What a matching trap says about its alert."""

    FIRING = "firing"  # the condition holds (thresholds and states may still clear it)
    RESOLVED = "resolved"  # the trap clears the alert another trap raised (e.g. alarm entry removed)
    EVENT = "event"  # something happened and is over: the alert fires and resolves at once


@dataclass(frozen=True)
class VarbindRef:
    """A varbind a rule reads: its OID (instances below it match too) and the name it was given."""

    oid: str
    name: str


@dataclass(frozen=True)
class Threshold:
    """Severity levels on one side of a value, with a clear bound for hysteresis.

    `above`: the value is bad when high. A value beyond a level's bound fires at the worst such
    level; a value on the good side of `clear` resolves; a value in between holds (no alert is
    emitted, so the alert keeps whatever state its last trap gave it).
    """

    above: bool
    levels: tuple[tuple[float, Severity], ...]  # most extreme bound first
    clear: float

    def judge(self, value: float) -> tuple[AlertStatus, Severity] | None:
        """Firing with a severity, resolved, or None inside the hysteresis band."""
        for bound, severity in self.levels:
            if (value > bound) if self.above else (value < bound):
                return AlertStatus.FIRING, severity
        if (value < self.clear) if self.above else (value > self.clear):
            return AlertStatus.RESOLVED, self.levels[-1][1]
        return None


@dataclass(frozen=True)
class LookupEntry:
    """What one looked-up value sets on the alert; None keeps the rule's own."""

    alert: str | None = None
    severity: Severity | None = None
    summary: Template | None = None


@dataclass(frozen=True)
class Lookup:
    """A rule's lookup: the varbind whose value is the key, and the table."""

    table_name: str
    varbind: VarbindRef
    table: Mapping[str, LookupEntry]


@dataclass(frozen=True)
class ValueSpec:
    """The varbind holding the measured value or state, how to scale it and its unit."""

    varbind: VarbindRef
    scale: float = 1.0
    unit: str = ""


@dataclass(frozen=True)
class TrapRule:
    """One `traps` entry, checked."""

    name: str
    where: str
    alert: str
    severity: Severity
    status: RuleStatus
    oids: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    when: tuple[tuple[VarbindRef, frozenset[str]], ...] = ()
    summary: Template | None = None
    description: Template | None = None
    resource: VarbindRef | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    labels_from: Mapping[str, VarbindRef] = field(default_factory=dict)
    lookup: Lookup | None = None
    value: ValueSpec | None = None
    thresholds: Threshold | None = None
    states: Mapping[str, Severity | None] | None = None

    def matches(self, document: TrapDocument) -> bool:
        """True when the trap OID is one of `oids` or under one of `prefixes`, and every `when` holds."""
        oid = document.trap_oid
        if oid not in self.oids and not any(oid == p or oid.startswith(p + ".") for p in self.prefixes):
            return False
        for ref, values in self.when:
            found = document.find(ref.oid)
            if found is None or found.text not in values:
                return False
        return True


@dataclass(frozen=True)
class AgentRule:
    """One `agents` entry: which agents it is (an address or network, or a varbind value) and what they are."""

    where: str
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    varbind: VarbindRef | None = None
    equals: str = ""
    resource: str | None = None
    location: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def matches(self, document: TrapDocument) -> bool:
        """True when the trap's agent address is in `network`, or its `varbind` equals `equals`."""
        if self.network is not None:
            try:
                return ipaddress.ip_address(document.agent) in self.network
            except ValueError:
                return False
        found = document.find(self.varbind.oid) if self.varbind else None
        return found is not None and found.text == self.equals


@dataclass(frozen=True)
class TrapMapping:
    """All loaded rules."""

    traps: tuple[TrapRule, ...] = ()
    agents: tuple[AgentRule, ...] = ()
    varbinds: Mapping[str, str] = field(default_factory=dict)  # declared name -> OID, for templates

    def rules_for(self, document: TrapDocument) -> list[TrapRule]:
        """Every trap rule that matches, in load order."""
        return [rule for rule in self.traps if rule.matches(document)]

    def agent_for(self, document: TrapDocument) -> AgentRule | None:
        """The first agents rule that matches, or None."""
        return next((agent for agent in self.agents if agent.matches(document)), None)
