"""Pure: the correlation engine — alert changes of one scope in, incident commands out.

Rules, in the order they are tried for a firing alert (docs/correlation.md has the picture):

1. **Known alert**: an alert already in an incident updates it (a resolved incident within its
   reopen window is reopened).
2. **Suppressed**: a silence or a maintenance window on the alert's component or any of its
   upstreams records it as suppressed (SUPPRESS: visible and counted, never paged); it is
   re-checked on every tick and correlated once the suppression ends.
3. **Known cause**: an open incident rooted at the alert's component, or at one of its
   plausible causes (an upstream whose relation can explain the alert's category), takes it —
   as a symptom, inhibited from paging on its own; the nearest root wins.
4. **Late cause**: an open incident rooted *below* the alert's component (the UPS alert after
   its PDUs') is re-rooted at the component (REROOT) and takes the alert as its root alert.
5. **Shared cause**: an alert held in its hold-down, or a young incident of one component,
   that shares a plausible cause with this alert within the window forms one incident whose
   root is the nearest shared cause — inferred, since that component itself sent nothing
   (several probes of one cooling zone → the zone's air conditioner).
6. **Hold-down**: an alert with plausible causes waits `hold_down` for one to show up (HOLD,
   recorded), which closes the ordering race of Alertmanager's inhibition; when it expires the
   alert opens its own incident.
7. **Own incident** rooted at its component; an alert with no topology is grouped by labels
   (`group_by`, with an optional `group_wait`), Alertmanager-like.

A resolve always reaches the alert's incident (no orphans), held and suppressed alerts
included. An incident whose alerts have all resolved resolves after `quiet_period`; a re-fire
within `reopen_window` reopens it. Priority (priority.py) is recomputed as an incident grows
and a PRIORITIZE command is issued when impact, urgency, priority or majority change.

Command ids derive from the incident key, the command kind, the fingerprint and the change id
only, so replaying the same changes yields the same commands, which the writer drops.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Callable, Mapping

from streams.alerts.model import Alert, AlertChange, ChangeKind
from streams.clock import format_instant
from streams.correlation.categories import CAUSE_RELATIONS, Category, category_of
from streams.correlation.commands import (
    CommandKind,
    Disposition,
    DispositionKind,
    IncidentCommand,
    IncidentFacts,
    deterministic_id,
)
from streams.correlation.priority import PriorityPolicy, assess
from streams.correlation.state import Cluster, Held, Member, ScopeState, Suppressed
from streams.correlation.topology import CONTAINERS, SERVICE_KIND, Component, Relation, Topology, Upstream

#: Labels that may name the component an alert is about, most specific first (location last).
COMPONENT_LABELS = ("component", "device", "instance", "host", "hostname", "node", "rack", "row", "room")
#: Kinds that are not devices when counting what an incident takes down.
_NOT_DEVICES = frozenset(CONTAINERS) | {SERVICE_KIND, "sensor", "cooling_zone"}
#: Categories whose root cause takes its dependants down (so impact counts them).
_LOSS_CATEGORIES = frozenset({Category.POWER, Category.COOLING, Category.NETWORK, Category.AVAILABILITY})

#: A suppression check: (labels, component ids the alert touches, now) -> why it is suppressed, or None.
Suppressor = Callable[[Mapping[str, str], frozenset[str], datetime], Disposition | None]


@dataclass(frozen=True)
class EngineConfig:
    """Windows and policies of correlation (settings: correlation_*)."""

    window: timedelta = timedelta(minutes=5)
    hold_down: timedelta = timedelta(seconds=5)
    quiet_period: timedelta = timedelta(0)
    reopen_window: timedelta = timedelta(minutes=10)
    group_by: tuple[str, ...] = ("alertname", "site")
    group_wait: timedelta = timedelta(0)
    priority: PriorityPolicy = field(default_factory=PriorityPolicy)


class Correlator:
    """Applies alert changes and clock ticks to a `ScopeState`, returning the commands they cause."""

    def __init__(self, topology: Topology, config: EngineConfig = EngineConfig(), suppressor: Suppressor | None = None):
        self.topology = topology
        self.config = config
        self._suppressor = suppressor
        self._causes_cache: dict[tuple[str, Category], tuple[Upstream, ...]] = {}
        self._cause_ids_cache: dict[tuple[str, Category], frozenset[str]] = {}
        self._loss_cache: dict[str, tuple[int, tuple[Component, ...]]] = {}
        self._touched_cache: dict[str, frozenset[str]] = {}

    # ----------------------------------------------------------------------------------- inputs

    def apply(self, state: ScopeState, change: AlertChange, now: datetime) -> list[IncidentCommand]:
        """Fold one alert change into `state` and return the commands for the incident writer."""
        alert = change.alert
        fingerprint = alert.fingerprint
        if change.kind is ChangeKind.RESOLVED:
            return self._resolved(state, change, now)
        if fingerprint in state.fingerprints:
            cluster = state.clusters[state.fingerprints[fingerprint]]
            if cluster.is_open or self._reopenable(cluster, now):
                member = cluster.members[fingerprint]
                return self._join(state, cluster, change, now, component=member.component, symptom=member.symptom)
            state.forget(cluster)
        if fingerprint in state.held:
            state.held[fingerprint] = replace(state.held[fingerprint], alert=alert)
            return []
        if fingerprint in state.suppressed:
            state.suppressed[fingerprint] = replace(state.suppressed[fingerprint], alert=alert)
            return []
        if change.kind is ChangeKind.UNFLAPPED:
            return []  # un-flapping something never seen firing here changes nothing
        return self._new(state, change, now, allow_hold=True)

    def tick(self, state: ScopeState, now: datetime) -> list[IncidentCommand]:
        """Advance time: release expired holds, re-check suppressions, auto-resolve quiet incidents, forget old ones."""
        commands: list[IncidentCommand] = []
        for held in sorted(state.held.values(), key=lambda h: (h.until, h.alert.fingerprint)):
            if held.until <= now and held.alert.fingerprint in state.held:
                del state.held[held.alert.fingerprint]
                change = AlertChange(ChangeKind.NEW, held.alert, state.scope, held.change_id)
                commands += self._new(state, change, now, allow_hold=False)
        for suppressed in list(state.suppressed.values()):
            if self._suppression(suppressed.alert, self._component(suppressed.alert), now) is None:
                del state.suppressed[suppressed.alert.fingerprint]
                change = AlertChange(ChangeKind.NEW, suppressed.alert, state.scope, suppressed.change_id)
                commands += self._new(state, change, now, allow_hold=True)
        for cluster in list(state.clusters.values()):
            if cluster.is_open and cluster.quiet_since is not None and now - cluster.quiet_since >= self.config.quiet_period:
                commands += self._resolve_cluster(state, cluster, now)
            elif not cluster.is_open and not self._reopenable(cluster, now):
                state.forget(cluster)
        return commands

    def next_deadline(self, state: ScopeState) -> datetime | None:
        """The earliest time a tick would change something in `state` (suppressions aside), or None."""
        deadlines = [held.until for held in state.held.values()]
        for cluster in state.clusters.values():
            if cluster.is_open and cluster.quiet_since is not None:
                deadlines.append(cluster.quiet_since + self.config.quiet_period)
            elif not cluster.is_open and cluster.resolved_at is not None:
                deadlines.append(cluster.resolved_at + self.config.reopen_window)
        return min(deadlines, default=None)

    # ------------------------------------------------------------------------------- new alerts

    def _new(self, state: ScopeState, change: AlertChange, now: datetime, *, allow_hold: bool) -> list[IncidentCommand]:
        alert = change.alert
        component = self._component(alert)
        disposition = self._suppression(alert, component, now)
        if disposition is not None:
            state.suppressed[alert.fingerprint] = Suppressed(alert, change.change_id, disposition)
            return [self._disposition_command(CommandKind.SUPPRESS, state.scope, change, disposition, now)]
        if component is None:
            return self._by_labels(state, change, now, allow_hold=allow_hold)
        return self._by_topology(state, change, component, now, allow_hold=allow_hold)

    def _by_topology(
        self, state: ScopeState, change: AlertChange, component: Component, now: datetime, *, allow_hold: bool
    ) -> list[IncidentCommand]:
        alert = change.alert
        category = category_of(alert)
        causes = self.causes(component.id, category)
        depth_of = {upstream.component.id: upstream.depth for upstream in causes}
        depth_of[component.id] = 0
        joinable = [
            cluster for cluster in state.clusters.values()
            if cluster.root in depth_of and (cluster.is_open or self._reopenable(cluster, now))
        ]
        if joinable:
            target = min(joinable, key=lambda c: (depth_of[c.root], not c.is_open, c.opened_at, c.incident_key))
            return self._join(state, target, change, now, component=component.id, symptom=target.root != component.id)
        below = [
            cluster for cluster in state.clusters.values()
            if cluster.is_open and cluster.root is not None
            and component.id in self._cause_ids(cluster.root, cluster.category)
        ]
        if below:
            target = min(below, key=lambda c: (c.opened_at, c.incident_key))
            commands = self._reroot(state, target, component, change, now, inferred=False)
            return commands + self._join(state, target, change, now, component=component.id, symptom=False)
        held = [h for h in state.held.values() if h.component is not None and h.component != component.id]
        held_causes = [h for h in held if h.component in depth_of]
        if held_causes:  # a held alert is this one's cause: it opens now, this joins it as a symptom
            cause = min(held_causes, key=lambda h: (depth_of[h.component], h.alert.fingerprint))
            return self._open_with(state, change, component, cause, [], now)
        held_symptoms = [h for h in held if component.id in self._cause_ids(h.component, h.category)]
        if held_symptoms:  # this alert explains held ones: it opens now and takes them as symptoms
            return self._open_with(state, change, component, None, held_symptoms, now)
        shared = self._shared_cause(state, component, category, causes, now)
        if shared is not None:
            return self._open_shared(state, change, component, category, shared, now)
        if causes and allow_hold and self.config.hold_down > timedelta(0):
            return self._hold(state, change, component.id, category, None, now + self.config.hold_down, "a plausible cause")
        return self._open(state, change, now, root=component, category=category, inferred=False, group_key=f"root:{component.id}")

    def _by_labels(self, state: ScopeState, change: AlertChange, now: datetime, *, allow_hold: bool) -> list[IncidentCommand]:
        alert = change.alert
        group_key = self._label_group(alert)
        candidates = [
            cluster for cluster in state.clusters.values()
            if cluster.group_key == group_key and (cluster.is_open or self._reopenable(cluster, now))
        ]
        if candidates:
            target = min(candidates, key=lambda c: (not c.is_open, c.opened_at, c.incident_key))
            return self._join(state, target, change, now, component=None, symptom=False)
        waiting = [held for held in state.held.values() if held.group_key == group_key]
        if allow_hold and self.config.group_wait > timedelta(0) and not waiting:
            return self._hold(state, change, None, category_of(alert), group_key, now + self.config.group_wait, "its group window")
        if waiting and allow_hold:  # the group's wait is running: join it, released together
            return self._hold(state, change, None, category_of(alert), group_key, waiting[0].until, "its group window")
        commands = self._open(state, change, now, root=None, category=category_of(alert), inferred=False, group_key=group_key)
        cluster = state.clusters[state.fingerprints[alert.fingerprint]]
        for held in sorted(waiting, key=lambda h: h.alert.fingerprint):
            del state.held[held.alert.fingerprint]
            joined = AlertChange(ChangeKind.NEW, held.alert, state.scope, held.change_id)
            commands += self._join(state, cluster, joined, now, component=None, symptom=False)
        return commands

    # ------------------------------------------------------------------------------ shared cause

    def _open_with(
        self, state: ScopeState, change: AlertChange, component: Component, cause: Held | None,
        symptoms: list[Held], now: datetime,
    ) -> list[IncidentCommand]:
        """Open an incident rooted at a held cause (this alert a symptom), or at this alert (held ones symptoms)."""
        if cause is not None:
            del state.held[cause.alert.fingerprint]
            root = self.topology.components[cause.component]
            opening = AlertChange(ChangeKind.NEW, cause.alert, state.scope, cause.change_id)
            commands = self._open(state, opening, now, root=root, category=cause.category, inferred=False,
                                  group_key=f"root:{root.id}")
            cluster = state.clusters[state.fingerprints[cause.alert.fingerprint]]
            return commands + self._join(state, cluster, change, now, component=component.id, symptom=True)
        commands = self._open(state, change, now, root=component, category=category_of(change.alert), inferred=False,
                              group_key=f"root:{component.id}")
        cluster = state.clusters[state.fingerprints[change.alert.fingerprint]]
        for held in sorted(symptoms, key=lambda h: h.alert.fingerprint):
            del state.held[held.alert.fingerprint]
            joined = AlertChange(ChangeKind.NEW, held.alert, state.scope, held.change_id)
            commands += self._join(state, cluster, joined, now, component=held.component, symptom=True)
        return commands

    def _shared_cause(
        self, state: ScopeState, component: Component, category: Category, causes: tuple[Upstream, ...], now: datetime
    ) -> tuple[Upstream, list[Held], Cluster | None] | None:
        """The nearest cause this alert shares with held alerts or a young single-component incident."""
        if not causes:
            return None
        mine = {upstream.component.id: upstream for upstream in causes}
        best: tuple[tuple[bool, int, str], Upstream] | None = None
        partners: list[tuple[frozenset[str], Held | Cluster]] = []
        for held in state.held.values():
            if held.component is not None and held.component != component.id:
                partners.append((self._cause_ids(held.component, held.category), held))
        for cluster in state.clusters.values():
            if (
                cluster.is_open and not cluster.inferred and cluster.root not in (None, component.id)
                and now - cluster.opened_at <= self.config.window
            ):
                partners.append((self._cause_ids(cluster.root, cluster.category), cluster))
        for their_causes, _ in partners:
            for cause_id in mine.keys() & their_causes:
                upstream = mine[cause_id]
                rank = (upstream.redundant, upstream.depth, cause_id)
                if best is None or rank < best[0]:
                    best = (rank, upstream)
        if best is None:
            return None
        cause = best[1]
        held_partners = [p for causes_, p in partners if cause.component.id in causes_ and isinstance(p, Held)]
        clusters = [p for causes_, p in partners if cause.component.id in causes_ and isinstance(p, Cluster)]
        young = min(clusters, key=lambda c: (c.opened_at, c.incident_key)) if clusters else None
        return cause, held_partners, young

    def _open_shared(
        self,
        state: ScopeState,
        change: AlertChange,
        component: Component,
        category: Category,
        shared: tuple[Upstream, list[Held], Cluster | None],
        now: datetime,
    ) -> list[IncidentCommand]:
        cause, held_partners, young = shared
        root = self._named_cause(cause.component)
        if young is not None:
            commands = self._reroot(state, young, root, change, now, inferred=True)
        else:
            commands = self._open(
                state, change, now, root=root, category=category, inferred=True, group_key=f"root:{root.id}", symptom=True
            )
        cluster = state.clusters[state.fingerprints[change.alert.fingerprint]] if young is None else young
        if young is not None:
            commands += self._join(state, cluster, change, now, component=component.id, symptom=True)
        for held in sorted(held_partners, key=lambda h: h.alert.fingerprint):
            del state.held[held.alert.fingerprint]
            joined = AlertChange(ChangeKind.NEW, held.alert, state.scope, held.change_id)
            commands += self._join(state, cluster, joined, now, component=held.component, symptom=True)
        return commands

    def _named_cause(self, cause: Component) -> Component:
        """Name the equipment behind a cooling zone when exactly one air conditioner serves it."""
        if cause.kind != "cooling_zone":
            return cause
        units = [
            u.component for u in self.topology.upstreams(cause.id)
            if u.depth == 1 and u.relation is Relation.COOLING and u.component.kind == "air_conditioner"
        ]
        return units[0] if len(units) == 1 else cause

    # ---------------------------------------------------------------------------- incident moves

    def _open(
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
        alert = change.alert
        cluster = Cluster(
            incident_key=deterministic_id(group_key, alert.fingerprint, format_instant(alert.starts_at)),
            group_key=group_key,
            title=self._title(alert, root, category, inferred),
            severity=alert.severity,
            category=category,
            root=root.id if root else None,
            inferred=inferred,
            opened_at=now,
        )
        state.clusters[cluster.incident_key] = cluster
        component = self._component(alert)
        member = Member(alert, component.id if component else None, True, symptom, category_of(alert))
        state.add_member(cluster, member)
        cluster.facts = self._facts(cluster)
        return [self._command(CommandKind.OPEN, cluster, change, now, facts=cluster.facts, member=member)]

    def _join(
        self, state: ScopeState, cluster: Cluster, change: AlertChange, now: datetime, *, component: str | None, symptom: bool
    ) -> list[IncidentCommand]:
        alert = change.alert
        commands: list[IncidentCommand] = []
        if not cluster.is_open:
            cluster.resolved_at = None
            commands.append(self._command(CommandKind.REOPEN, cluster, change, now, facts=cluster.facts))
        cluster.quiet_since = None
        if cluster.inferred and component is not None and component == cluster.root:
            commands += self._reroot(state, cluster, self.topology.components[component], change, now, inferred=False)
        cluster.severity = max(cluster.severity, alert.severity, key=lambda severity: severity.rank)
        member = Member(alert, component, True, symptom, category_of(alert))
        state.add_member(cluster, member)
        commands.append(self._command(CommandKind.ATTACH, cluster, change, now, member=member))
        return commands + self._reprioritize(cluster, change, now)

    def _reroot(
        self, state: ScopeState, cluster: Cluster, root: Component, change: AlertChange, now: datetime, *, inferred: bool
    ) -> list[IncidentCommand]:
        cluster.root = root.id
        cluster.inferred = inferred
        if not inferred and category_of(change.alert) is not Category.OTHER:
            # The root's own alert says what broke (PDUBreakerTripped: power), not its symptoms (NodeDown).
            cluster.category = category_of(change.alert)
        cluster.group_key = f"root:{root.id}"
        cluster.title = self._title(change.alert, root, cluster.category, inferred)
        cluster.facts = self._facts(cluster)
        return [self._command(CommandKind.REROOT, cluster, change, now, facts=cluster.facts, extra=f"{root.id}:{inferred}")]

    def _reprioritize(self, cluster: Cluster, change: AlertChange, now: datetime) -> list[IncidentCommand]:
        facts = self._facts(cluster)
        before = cluster.facts
        cluster.facts = facts
        if before is not None and _assessment(before) == _assessment(facts):
            return []
        major = facts.major and not (before and before.major)
        return [self._command(CommandKind.PRIORITIZE, cluster, change, now, facts=facts, extra=f"{facts.priority}:{major}")]

    def _hold(
        self,
        state: ScopeState,
        change: AlertChange,
        component: str | None,
        category: Category,
        group_key: str | None,
        until: datetime,
        waiting_for: str,
    ) -> list[IncidentCommand]:
        state.held[change.alert.fingerprint] = Held(change.alert, change.change_id, component, category, until, group_key)
        disposition = Disposition(
            DispositionKind.HELD, f"held until {format_instant(until)} for {waiting_for}", "correlation", until
        )
        return [self._disposition_command(
            CommandKind.HOLD, state.scope, change, disposition, until, component=component, group_key=group_key or ""
        )]

    def _resolved(self, state: ScopeState, change: AlertChange, now: datetime) -> list[IncidentCommand]:
        fingerprint = change.alert.fingerprint
        if fingerprint in state.held:
            del state.held[fingerprint]
            disposition = Disposition(DispositionKind.EXPIRED_HOLD, "resolved while held, before any page", "correlation")
            return [self._disposition_command(CommandKind.SUPPRESS, state.scope, change, disposition, now)]
        if fingerprint in state.suppressed:
            disposition = state.suppressed.pop(fingerprint).disposition
            return [self._disposition_command(CommandKind.SUPPRESS, state.scope, change, disposition, now)]
        key = state.fingerprints.get(fingerprint)
        cluster = state.clusters.get(key) if key else None
        if cluster is None or not cluster.members[fingerprint].firing:
            return []
        member = cluster.members[fingerprint]
        member.firing = False
        member.alert = change.alert
        commands = [self._command(CommandKind.RESOLVE_ALERT, cluster, change, now)]
        if cluster.is_open and not cluster.firing():
            cluster.quiet_since = now
            cluster.quiet_change_id = change.change_id
            if self.config.quiet_period <= timedelta(0):
                commands += self._resolve_cluster(state, cluster, now)
        return commands

    def _resolve_cluster(self, state: ScopeState, cluster: Cluster, now: datetime) -> list[IncidentCommand]:
        cluster.resolved_at = now
        cluster.quiet_since = None
        last = max(cluster.members.values(), key=lambda m: (m.alert.ends_at or m.alert.received_at, m.alert.fingerprint))
        change = AlertChange(ChangeKind.RESOLVED, last.alert, state.scope, cluster.quiet_change_id)
        command = self._command(CommandKind.RESOLVE, cluster, change, now)
        if self.config.reopen_window <= timedelta(0):
            state.forget(cluster)
        return [command]

    # ---------------------------------------------------------------------------------- helpers

    def _component(self, alert: Alert) -> Component | None:
        """The topology component the alert is about: a `component` label, the resource, then other labels."""
        names = [alert.labels.get("component"), alert.resource] + [alert.labels.get(key) for key in COMPONENT_LABELS[1:]]
        for name in names:
            if name:
                found = self.topology.resolve(name)
                if found is not None:
                    return found
        return None

    def causes(self, component_id: str, category: Category) -> tuple[Upstream, ...]:
        """Upstreams reached only through relations that can explain an alert of `category`, nearest first.

        Every hop of the path counts, not only the last: the cooling of the UPS room, reached
        through the server's power feed, does not explain a hot server.
        """
        key = (component_id, category)
        if key not in self._causes_cache:
            relations = CAUSE_RELATIONS[category]
            reached: set[str] = set()
            causes = []
            for upstream in self.topology.upstreams(component_id):  # breadth first: a path's hops come first
                if upstream.relation in relations and (upstream.via is None or upstream.via in reached):
                    reached.add(upstream.component.id)
                    causes.append(upstream)
            self._causes_cache[key] = tuple(causes)
        return self._causes_cache[key]

    def _loss(self, root_id: str) -> tuple[int, tuple[Component, ...]]:
        """How many devices and which services the root takes down (cached per topology)."""
        if root_id not in self._loss_cache:
            lost = self.topology.lost_with([root_id])
            devices = sum(1 for cid in lost if self.topology.components[cid].kind not in _NOT_DEVICES)
            self._loss_cache[root_id] = (devices, self.topology.services_affected([root_id], lost_only=True))
        return self._loss_cache[root_id]

    def _cause_ids(self, component_id: str, category: Category) -> frozenset[str]:
        key = (component_id, category)
        if key not in self._cause_ids_cache:
            self._cause_ids_cache[key] = frozenset(u.component.id for u in self.causes(component_id, category))
        return self._cause_ids_cache[key]

    def _suppression(self, alert: Alert, component: Component | None, now: datetime) -> Disposition | None:
        if self._suppressor is None:
            return None
        touched: frozenset[str] = frozenset()
        if component is not None:
            # Every new alert and every tick's re-check asks: walk the topology once per component.
            touched = self._touched_cache.get(component.id)
            if touched is None:
                touched = frozenset({component.id, *(u.component.id for u in self.topology.upstreams(component.id))})
                self._touched_cache[component.id] = touched
        return self._suppressor(alert.labels, touched, now)

    def _reopenable(self, cluster: Cluster, now: datetime) -> bool:
        return cluster.resolved_at is not None and now - cluster.resolved_at < self.config.reopen_window

    def _label_group(self, alert: Alert) -> str:
        values = [alert.name if key == "alertname" else alert.labels.get(key, "") for key in self.config.group_by]
        if self.config.group_by == ("alertname", "site"):
            values[1] = alert.site or "-"
        return "@".join(values)

    def _title(self, alert: Alert, root: Component | None, category: Category, inferred: bool) -> str:
        # Stable for the incident's life (until a re-root): no counts, nothing that changes as alerts attach.
        if root is None:
            return f"{alert.name} at site {alert.site}" if alert.site else alert.name
        named = f"{root.name} [{root.id}]" if root.name and root.name != root.id else root.id
        if inferred:
            return f"{category.value.capitalize()} incident: probable cause {named}"
        return f"{alert.name} on {named}"

    def _facts(self, cluster: Cluster) -> IncidentFacts:
        root = self.topology.get(cluster.root) if cluster.root else None
        if root is not None and cluster.category in _LOSS_CATEGORIES:
            affected, services = self._loss(root.id)
        else:
            affected, services = len(cluster.components), ()
        cooling_sensors = 0
        if cluster.category is Category.COOLING and root is not None and root.kind in ("cooling_zone", "air_conditioner"):
            cooling_sensors = len(cluster.cooling_components)
        assessment = assess(
            severity=cluster.severity,
            affected_devices=affected,
            service_criticalities=[s.criticality or "" for s in services],
            rise_per_minute=cluster.rise_per_minute(),
            alert_names=cluster.names,
            cooling_sensors=cooling_sensors,
            policy=self.config.priority,
        )
        return IncidentFacts(
            root=root.id if root else None,
            root_kind=root.kind if root else None,
            root_name=root.name if root else None,
            category=cluster.category.value,
            inferred=cluster.inferred,
            impact=assessment.impact,
            urgency=assessment.urgency,
            priority=assessment.priority,
            major=assessment.major,
            major_reason=assessment.major_reason,
            services=tuple(s.id for s in services),
            affected=affected,
        )

    def _command(
        self,
        kind: CommandKind,
        cluster: Cluster,
        change: AlertChange,
        now: datetime,
        *,
        facts: IncidentFacts | None = None,
        member: Member | None = None,
        extra: str = "",
    ) -> IncidentCommand:
        alert = change.alert
        parts = [cluster.incident_key, str(kind), alert.fingerprint, change.change_id] + ([extra] if extra else [])
        return IncidentCommand(
            kind=kind,
            command_id=deterministic_id(*parts),
            incident_key=cluster.incident_key,
            group_key=cluster.group_key,
            title=cluster.title,
            severity=cluster.severity,
            issued_at=now,
            alert=alert,
            scope=change.scope,
            facts=facts,
            symptom=member.symptom if member else False,
            component=member.component if member else None,
        )

    def _disposition_command(
        self, kind: CommandKind, scope: str, change: AlertChange, disposition: Disposition, now: datetime,
        *, component: str | None = None, group_key: str = "",
    ) -> IncidentCommand:
        alert = change.alert
        return IncidentCommand(
            kind=kind,
            command_id=deterministic_id("", str(kind), alert.fingerprint, change.change_id, str(disposition.kind)),
            incident_key="",
            group_key=group_key,
            component=component,
            title=alert.name,
            severity=alert.severity,
            issued_at=now,
            alert=alert,
            scope=scope,
            disposition=disposition,
        )


def _assessment(facts: IncidentFacts) -> tuple[str, str, str, bool]:
    return facts.impact, facts.urgency, facts.priority, facts.major


__all__ = ["Correlator", "EngineConfig", "Suppressor"]
