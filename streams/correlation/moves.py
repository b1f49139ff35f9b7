"""Pure: the moves of an incident as correlation makes them — open, join, re-root, merge, re-prioritise, hold, resolve.

Each move mutates the scope's state in place and returns the commands that tell the writer the
same thing; the rules (engine.py, shared_cause.py) decide which move to make.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from streams.alerts.model import AlertChange, ChangeKind
from streams.clock import format_instant
from streams.correlation.categories import Category, category_of
from streams.correlation.causes import CauseIndex
from streams.correlation.commands import (
    CommandKind,
    Disposition,
    DispositionKind,
    IncidentCommand,
    IncidentFacts,
    deterministic_id,
)
from streams.correlation.config import EngineConfig
from streams.correlation.emit import disposition_command, incident_command
from streams.correlation.facts import incident_facts, incident_title, root_group, same_assessment
from streams.correlation.state import Cluster, Held, Member, ScopeState
from streams.correlation.topology import Component


class IncidentMoves:
    """State changes of one scope's incidents, each with the commands it causes."""

    def __init__(self, index: CauseIndex, config: EngineConfig) -> None:
        self.index = index
        self.config = config

    def reopenable(self, cluster: Cluster, now: datetime) -> bool:
        """True while a resolved incident is inside its reopen window."""
        return cluster.resolved_at is not None and now - cluster.resolved_at < self.config.reopen_window

    def open(
        self,
        state: ScopeState,
        change: AlertChange,
        now: datetime,
        *,
        root: Component | None,
        category: Category,
        inferred: bool,
        group_key: str,
        symptom: bool = False,
    ) -> list[IncidentCommand]:
        """Open an incident with the change's alert (and merge in any open incident its root explains)."""
        alert = change.alert
        cluster = Cluster(
            incident_key=deterministic_id(group_key, alert.fingerprint, format_instant(alert.starts_at)),
            group_key=group_key,
            title=incident_title(alert, root, category, inferred),
            severity=alert.severity,
            category=category,
            root=root.id if root else None,
            inferred=inferred,
            opened_at=now,
        )
        state.clusters[cluster.incident_key] = cluster
        component = self.index.component_of(alert)
        member = Member(alert, component.id if component else None, True, symptom, category_of(alert))
        state.add_member(cluster, member)
        cluster.facts = self._facts(cluster)
        commands = [incident_command(CommandKind.OPEN, cluster, change, now, facts=cluster.facts, member=member)]
        merged = self.absorb_below(state, cluster, change, now)
        return commands + merged + (self.reprioritize(cluster, change, now) if merged else [])

    def join(
        self, state: ScopeState, cluster: Cluster, change: AlertChange, now: datetime, *, component: str | None, symptom: bool
    ) -> list[IncidentCommand]:
        """Attach the change's alert to `cluster` (reopening it, or confirming its inferred root, on the way)."""
        alert = change.alert
        commands: list[IncidentCommand] = []
        if not cluster.is_open:
            cluster.resolved_at = None
            commands.append(incident_command(CommandKind.REOPEN, cluster, change, now, facts=cluster.facts))
        cluster.quiet_since = None
        if cluster.inferred and component is not None and component == cluster.root:
            commands += self.reroot(state, cluster, self.index.topology.components[component], change, now, inferred=False)
        cluster.severity = max(cluster.severity, alert.severity, key=lambda severity: severity.rank)
        member = Member(alert, component, True, symptom, category_of(alert))
        state.add_member(cluster, member)
        commands.append(incident_command(CommandKind.ATTACH, cluster, change, now, member=member))
        return commands + self.reprioritize(cluster, change, now)

    def join_held(self, state: ScopeState, cluster: Cluster, held: list[Held], now: datetime, *, symptom: bool) -> list[IncidentCommand]:
        """Release held alerts into `cluster`, in fingerprint order, under the ids they were held with."""
        commands: list[IncidentCommand] = []
        for each in sorted(held, key=lambda h: h.alert.fingerprint):
            del state.held[each.alert.fingerprint]
            joined = AlertChange(ChangeKind.NEW, each.alert, state.scope, each.change_id)
            commands += self.join(state, cluster, joined, now, component=each.component, symptom=symptom)
        return commands

    def reroot(
        self, state: ScopeState, cluster: Cluster, root: Component, change: AlertChange, now: datetime, *, inferred: bool
    ) -> list[IncidentCommand]:
        """Name a new root (a late cause, a shared cause, or an inferred root confirmed); callers re-prioritise next."""
        cluster.root = root.id
        cluster.inferred = inferred
        if not inferred and category_of(change.alert) is not Category.OTHER:
            # The root's own alert says what broke (PDUBreakerTripped: power), not its symptoms (NodeDown).
            cluster.category = category_of(change.alert)
        cluster.group_key = root_group(root.id)
        cluster.title = incident_title(change.alert, root, cluster.category, inferred)
        cluster.facts = self._facts(cluster)
        command = incident_command(CommandKind.REROOT, cluster, change, now, facts=cluster.facts, extra=f"{root.id}:{inferred}")
        return [command] + self.absorb_below(state, cluster, change, now)

    def absorb_below(self, state: ScopeState, survivor: Cluster, change: AlertChange, now: datetime) -> list[IncidentCommand]:
        """Merge into `survivor` every other open incident its root explains (rooted at it or below it).

        Two incidents opened before their shared cause showed itself (hosts behind access switch A,
        then switch B's uplink, then the core switch) are one: the survivor is the one rooted
        upstream; the other's alerts move to it as symptoms and it closes (MERGE).
        """
        root = survivor.root
        if root is None:
            return []
        below = [
            cluster for cluster in state.clusters.values()
            if cluster is not survivor and cluster.is_open and cluster.root is not None
            and (cluster.root == root or root in self.index.cause_ids(cluster.root, cluster.category))
        ]
        commands = []
        for absorbed in sorted(below, key=lambda c: (c.opened_at, c.incident_key)):
            del state.clusters[absorbed.incident_key]
            for member in absorbed.members.values():
                state.add_member(survivor, replace(member, symptom=member.component != root))
            survivor.severity = max(survivor.severity, absorbed.severity, key=lambda severity: severity.rank)
            if survivor.firing():
                survivor.quiet_since = None
            commands.append(incident_command(
                CommandKind.MERGE, survivor, change, now, extra=absorbed.incident_key, absorbed_key=absorbed.incident_key
            ))
        return commands

    def reprioritize(self, cluster: Cluster, change: AlertChange, now: datetime) -> list[IncidentCommand]:
        """PRIORITIZE when impact, urgency, priority or majority changed since the facts last sent."""
        facts = self._facts(cluster)
        before = cluster.facts
        cluster.facts = facts
        if before is not None and same_assessment(before, facts):
            return []
        major = facts.major and not (before and before.major)
        return [incident_command(CommandKind.PRIORITIZE, cluster, change, now, facts=facts, extra=f"{facts.priority}:{major}")]

    def hold(
        self,
        state: ScopeState,
        change: AlertChange,
        component: str | None,
        category: Category,
        group_key: str | None,
        until: datetime,
        waiting_for: str,
    ) -> list[IncidentCommand]:
        """Hold the alert back until `until`, waiting for its cause or its group (HOLD, recorded)."""
        state.held[change.alert.fingerprint] = Held(change.alert, change.change_id, component, category, until, group_key)
        state.expect(until)
        disposition = Disposition(
            DispositionKind.HELD, f"held until {format_instant(until)} for {waiting_for}", "correlation", until
        )
        return [disposition_command(
            CommandKind.HOLD, state.scope, change, disposition, until, component=component, group_key=group_key or ""
        )]

    def resolve_cluster(self, state: ScopeState, cluster: Cluster, now: datetime) -> list[IncidentCommand]:
        """Resolve an incident whose alerts all resolved (and stayed quiet)."""
        cluster.resolved_at = now
        cluster.quiet_since = None
        state.expect(now + self.config.reopen_window)
        last = max(cluster.members.values(), key=lambda m: (m.alert.ends_at or m.alert.received_at, m.alert.fingerprint))
        change = AlertChange(ChangeKind.RESOLVED, last.alert, state.scope, cluster.quiet_change_id)
        command = incident_command(CommandKind.RESOLVE, cluster, change, now)
        if self.config.reopen_window <= timedelta(0):
            state.forget(cluster)
        return [command]

    def _facts(self, cluster: Cluster) -> IncidentFacts:
        return incident_facts(cluster, self.index, self.config.priority)


__all__ = ["IncidentMoves"]
