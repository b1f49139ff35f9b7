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

Whenever an incident gets a root, every other open incident that root explains is merged into
it (MERGE, moves.py). The rules live here; the moves they make in moves.py, the shared-cause
rule in shared_cause.py, topology questions in causes.py, facts and names in facts.py, command
construction in emit.py.

A resolve always reaches the alert's incident (no orphans), held and suppressed alerts
included. An incident whose alerts have all resolved resolves after `quiet_period`; a re-fire
within `reopen_window` reopens it. Priority (priority.py) is recomputed as an incident grows
and a PRIORITIZE command is issued when impact, urgency, priority or majority change.

Command ids derive from the incident key, the command kind, the fingerprint and the change id
only, so replaying the same changes yields the same commands, which the writer drops. A firing
change of an occurrence its incident already has as resolved is such a replay (a worker taking
over a partition reads changes the dead one had applied) and changes nothing; a re-fire is a
later occurrence.

**Event time.** The shell correlates each change at the time alertdesk received its alert
(`correlate`), on the scope's own clock, which never goes back, and ticks first at every
deadline that falls before it (a hold-down ending, a quiet period). So a backlog (a worker that
took over a partition, or one catching up after a stall) is grouped as it would have been live:
a resolve 14 s after its alert finds it released from its 2-s hold-down, not still held. The
timer moves a scope to wall-clock time (`tick_until`) only once the shell has no backlog for it.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Mapping

from streams.alerts.model import AlertChange, ChangeKind
from streams.correlation.categories import category_of
from streams.correlation.causes import CauseIndex
from streams.correlation.commands import CommandKind, Disposition, DispositionKind, IncidentCommand
from streams.correlation.config import EngineConfig, Suppressor
from streams.correlation.emit import disposition_command, incident_command
from streams.correlation.facts import label_group, root_group
from streams.correlation.moves import IncidentMoves
from streams.correlation.shared_cause import find_shared_cause, open_shared
from streams.correlation.state import LATEST, Held, ScopeState, Suppressed
from streams.correlation.topology import Component, Topology


class Correlator:
    """Applies alert changes and clock ticks to a `ScopeState`, returning the commands they cause."""

    def __init__(self, topology: Topology, config: EngineConfig = EngineConfig(), suppressor: Suppressor | None = None):
        self.topology = topology
        self.config = config
        self.index = CauseIndex(topology)
        self._moves = IncidentMoves(self.index, config)
        self._suppressor = suppressor

    # ------------------------------------------------------------------------------- event time

    def correlate(self, state: ScopeState, change: AlertChange, wall_now: datetime) -> list[IncidentCommand]:
        """Correlate `change` at its receive time (no later than `wall_now`), after the deadlines before it."""
        commands = self._catch_up(state, min(change.alert.received_at, wall_now))
        return commands + self.apply(state, change, state.clock)

    def tick_until(self, state: ScopeState, now: datetime) -> list[IncidentCommand]:
        """Move the scope's clock on to `now`: tick at each deadline on the way, then at `now` itself."""
        commands = self._catch_up(state, now)
        return commands + self.tick(state, state.clock)

    def _catch_up(self, state: ScopeState, to: datetime) -> list[IncidentCommand]:
        """Tick at every deadline of the scope up to `to`, in order, and set its clock to `to` (never back)."""
        commands: list[IncidentCommand] = []
        if state.clock is not None and to <= state.clock:
            return commands
        if state.due_by <= to:  # a lower bound: make it exact before ticking at it
            state.due_by = self.next_deadline(state) or LATEST
        while state.due_by <= to:
            at = state.due_by if state.clock is None else max(state.due_by, state.clock)
            commands += self.tick(state, at)  # leaves `due_by` exact
            state.clock = at
            if state.due_by <= at:  # a deadline this tick did not clear waits for the next tick
                break
        state.clock = to
        return commands

    # ----------------------------------------------------------------------------------- inputs

    def apply(self, state: ScopeState, change: AlertChange, now: datetime) -> list[IncidentCommand]:
        """Fold one alert change into `state` and return the commands for the incident writer."""
        alert = change.alert
        fingerprint = alert.fingerprint
        if change.kind is ChangeKind.RESOLVED:
            return self._resolved(state, change, now)
        if fingerprint in state.fingerprints:
            cluster = state.clusters[state.fingerprints[fingerprint]]
            member = cluster.members[fingerprint]
            if not member.firing and alert.starts_at <= member.alert.starts_at:
                return []  # a replay of an occurrence already resolved here, not a re-fire
            if cluster.is_open or self._moves.reopenable(cluster, now):
                return self._moves.join(state, cluster, change, now, component=member.component, symptom=member.symptom)
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
            if self._suppression(suppressed.alert.labels, self.index.component_of(suppressed.alert), now) is None:
                del state.suppressed[suppressed.alert.fingerprint]
                change = AlertChange(ChangeKind.NEW, suppressed.alert, state.scope, suppressed.change_id)
                commands += self._new(state, change, now, allow_hold=True)
        for cluster in list(state.clusters.values()):
            if cluster.is_open and cluster.quiet_since is not None and now - cluster.quiet_since >= self.config.quiet_period:
                commands += self._moves.resolve_cluster(state, cluster, now)
            elif not cluster.is_open and not self._moves.reopenable(cluster, now):
                state.forget(cluster)
        state.due_by = self.next_deadline(state) or LATEST
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
        component = self.index.component_of(alert)
        disposition = self._suppression(alert.labels, component, now)
        if disposition is not None:
            state.suppressed[alert.fingerprint] = Suppressed(alert, change.change_id, disposition)
            return [disposition_command(CommandKind.SUPPRESS, state.scope, change, disposition, now)]
        if component is None:
            return self._by_labels(state, change, now, allow_hold=allow_hold)
        return self._by_topology(state, change, component, now, allow_hold=allow_hold)

    def _by_topology(
        self, state: ScopeState, change: AlertChange, component: Component, now: datetime, *, allow_hold: bool
    ) -> list[IncidentCommand]:
        moves, alert = self._moves, change.alert
        category = category_of(alert)
        causes = self.index.causes(component.id, category)
        depth_of = {upstream.component.id: upstream.depth for upstream in causes}
        depth_of[component.id] = 0
        joinable = [
            cluster for cluster in state.clusters.values()
            if cluster.root in depth_of and (cluster.is_open or moves.reopenable(cluster, now))
        ]
        if joinable:
            target = min(joinable, key=lambda c: (depth_of[c.root], not c.is_open, c.opened_at, c.incident_key))
            return moves.join(state, target, change, now, component=component.id, symptom=target.root != component.id)
        below = [
            cluster for cluster in state.clusters.values()
            if cluster.is_open and cluster.root is not None
            and component.id in self.index.cause_ids(cluster.root, cluster.category)
        ]
        if below:
            target = min(below, key=lambda c: (c.opened_at, c.incident_key))
            commands = moves.reroot(state, target, component, change, now, inferred=False)
            return commands + moves.join(state, target, change, now, component=component.id, symptom=False)
        held = [h for h in state.held.values() if h.component is not None and h.component != component.id]
        held_causes = [h for h in held if h.component in depth_of]
        if held_causes:  # a held alert is this one's cause: it opens now, this joins it as a symptom
            cause = min(held_causes, key=lambda h: (depth_of[h.component], h.alert.fingerprint))
            return self._open_with(state, change, component, cause, [], now)
        held_symptoms = [h for h in held if component.id in self.index.cause_ids(h.component, h.category)]
        if held_symptoms:  # this alert explains held ones: it opens now and takes them as symptoms
            return self._open_with(state, change, component, None, held_symptoms, now)
        shared = find_shared_cause(state, component, causes, now, index=self.index, window=self.config.window)
        if shared is not None:
            return open_shared(moves, state, change, component, category, shared, now)
        if causes and allow_hold and self.config.hold_down > timedelta(0):
            return moves.hold(state, change, component.id, category, None, now + self.config.hold_down, "a plausible cause")
        return moves.open(state, change, now, root=component, category=category, inferred=False, group_key=root_group(component.id))

    def _by_labels(self, state: ScopeState, change: AlertChange, now: datetime, *, allow_hold: bool) -> list[IncidentCommand]:
        moves, alert = self._moves, change.alert
        group_key = label_group(alert, self.config.group_by)
        candidates = [
            cluster for cluster in state.clusters.values()
            if cluster.group_key == group_key and (cluster.is_open or moves.reopenable(cluster, now))
        ]
        if candidates:
            target = min(candidates, key=lambda c: (not c.is_open, c.opened_at, c.incident_key))
            return moves.join(state, target, change, now, component=None, symptom=False)
        waiting = [held for held in state.held.values() if held.group_key == group_key]
        if allow_hold and self.config.group_wait > timedelta(0) and not waiting:
            return moves.hold(state, change, None, category_of(alert), group_key, now + self.config.group_wait, "its group window")
        if waiting and allow_hold:  # the group's wait is running: join it, released together
            return moves.hold(state, change, None, category_of(alert), group_key, waiting[0].until, "its group window")
        commands = moves.open(state, change, now, root=None, category=category_of(alert), inferred=False, group_key=group_key)
        cluster = state.clusters[state.fingerprints[alert.fingerprint]]
        return commands + moves.join_held(state, cluster, waiting, now, symptom=False)

    def _open_with(
        self, state: ScopeState, change: AlertChange, component: Component, cause: Held | None,
        symptoms: list[Held], now: datetime,
    ) -> list[IncidentCommand]:
        """Open an incident rooted at a held cause (this alert a symptom), or at this alert (held ones symptoms)."""
        moves = self._moves
        if cause is not None:
            del state.held[cause.alert.fingerprint]
            root = self.topology.components[cause.component]
            opening = AlertChange(ChangeKind.NEW, cause.alert, state.scope, cause.change_id)
            commands = moves.open(state, opening, now, root=root, category=cause.category, inferred=False,
                                  group_key=root_group(root.id))
            cluster = state.clusters[state.fingerprints[cause.alert.fingerprint]]
            return commands + moves.join(state, cluster, change, now, component=component.id, symptom=True)
        commands = moves.open(state, change, now, root=component, category=category_of(change.alert), inferred=False,
                              group_key=root_group(component.id))
        cluster = state.clusters[state.fingerprints[change.alert.fingerprint]]
        return commands + moves.join_held(state, cluster, symptoms, now, symptom=True)

    # --------------------------------------------------------------------------------- resolves

    def _resolved(self, state: ScopeState, change: AlertChange, now: datetime) -> list[IncidentCommand]:
        fingerprint = change.alert.fingerprint
        if fingerprint in state.held:
            del state.held[fingerprint]
            disposition = Disposition(DispositionKind.EXPIRED_HOLD, "resolved while held, before any page", "correlation")
            return [disposition_command(CommandKind.SUPPRESS, state.scope, change, disposition, now)]
        if fingerprint in state.suppressed:
            disposition = state.suppressed.pop(fingerprint).disposition
            return [disposition_command(CommandKind.SUPPRESS, state.scope, change, disposition, now)]
        key = state.fingerprints.get(fingerprint)
        cluster = state.clusters.get(key) if key else None
        if cluster is None or not cluster.members[fingerprint].firing:
            return []
        member = cluster.members[fingerprint]
        member.firing = False
        member.alert = change.alert
        commands = [incident_command(CommandKind.RESOLVE_ALERT, cluster, change, now)]
        if cluster.is_open and not cluster.firing():
            cluster.quiet_since = now
            cluster.quiet_change_id = change.change_id
            state.expect(now + self.config.quiet_period)
            if self.config.quiet_period <= timedelta(0):
                commands += self._moves.resolve_cluster(state, cluster, now)
        return commands

    def _suppression(self, labels: Mapping[str, str], component: Component | None, now: datetime) -> Disposition | None:
        if self._suppressor is None:
            return None
        return self._suppressor(labels, self.index.touched(component), now)


__all__ = ["Correlator", "EngineConfig", "Suppressor"]  # the config names re-exported for the shell's imports
