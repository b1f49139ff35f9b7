"""Pure: the shared-cause rule — alerts that share a plausible cause, none of whose own alerts arrived, are one incident.

Several probes of one cooling zone, each held in its hold-down (or one already in a young
incident of its own, within `window`), point at the zone's air conditioner: one incident
rooted there, *inferred*, since that component itself sent nothing. The nearest shared cause
wins, a non-redundant one before a redundant one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from streams.alerts.model import AlertChange
from streams.correlation.categories import Category
from streams.correlation.causes import CauseIndex
from streams.correlation.commands import IncidentCommand
from streams.correlation.facts import root_group
from streams.correlation.moves import IncidentMoves
from streams.correlation.state import Cluster, Held, ScopeState
from streams.correlation.topology import Component, Upstream


@dataclass(frozen=True)
class SharedCause:
    """The cause an alert shares, the held alerts that share it, and the oldest young incident that does."""

    cause: Upstream
    held: list[Held]
    young: Cluster | None


def find_shared_cause(
    state: ScopeState, component: Component, causes: tuple[Upstream, ...], now: datetime, *, index: CauseIndex,
    window: timedelta,
) -> SharedCause | None:
    """The nearest cause this alert shares with held alerts or a young single-component incident."""
    if not causes:
        return None
    mine = {upstream.component.id: upstream for upstream in causes}
    best: tuple[tuple[bool, int, str], Upstream] | None = None
    partners: list[tuple[frozenset[str], Held | Cluster]] = []
    for held in state.held.values():
        if held.component is not None and held.component != component.id:
            partners.append((index.cause_ids(held.component, held.category), held))
    for cluster in state.clusters.values():
        if (
            cluster.is_open and not cluster.inferred and cluster.root not in (None, component.id)
            and now - cluster.opened_at <= window
        ):
            partners.append((index.cause_ids(cluster.root, cluster.category), cluster))
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
    return SharedCause(cause, held_partners, young)


def open_shared(
    moves: IncidentMoves, state: ScopeState, change: AlertChange, component: Component, category: Category,
    shared: SharedCause, now: datetime,
) -> list[IncidentCommand]:
    """Root the young incident at the shared cause (or open one there), then join this alert and the held partners."""
    root = moves.index.named_cause(shared.cause.component)
    young = shared.young
    if young is not None:
        commands = moves.reroot(state, young, root, change, now, inferred=True)
        cluster = young
        commands += moves.join(state, cluster, change, now, component=component.id, symptom=True)
    else:
        commands = moves.open(
            state, change, now, root=root, category=category, inferred=True, group_key=root_group(root.id), symptom=True
        )
        cluster = state.clusters[state.fingerprints[change.alert.fingerprint]]
    return commands + moves.join_held(state, cluster, shared.held, now, symptom=True)


__all__ = ["SharedCause", "find_shared_cause", "open_shared"]
