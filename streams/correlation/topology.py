"""Pure: the machine room's topology (CMDB) and the questions correlation asks of it.

Components sit in a containment tree (site > room > row > rack > device) and depend on each
other by relation: power (utility > ATS > UPS > PDU > rack), cooling (air conditioner > cooling
zone > row/rack/sensor), network (core switch > access switch > device) and service (business
service > devices). Power, cooling and network are inherited through containment: a server
that declares no power feed is fed by its rack's PDUs, a rack by its row's, and so on, so an
engineer writes each feed once, where it is physically wired.

A dependency may be one of a redundant group (A/B power feeds, N+1 air conditioners): the
dependant loses that relation only when every upstream of the group is lost. `upstreams`
marks an upstream `redundant` when its loss alone does not take the component down, and
`lost_with` answers what really goes down when a set of components fails together.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Iterable, Mapping


class Relation(StrEnum):
    """How a dependant depends on its upstream."""

    POWER = "power"
    COOLING = "cooling"
    NETWORK = "network"
    SERVICE = "service"


CONTAINERS = ("site", "room", "row", "rack")
DEVICE_KINDS = (
    "server", "storage", "switch", "router", "firewall", "utility", "generator", "ats", "ups",
    "pdu", "air_conditioner", "cooling_zone", "sensor", "other",
)
SERVICE_KIND = "service"
KINDS = frozenset(CONTAINERS + DEVICE_KINDS + (SERVICE_KIND,))
CRITICALITIES = ("critical", "high", "medium", "low")

# Which kinds can be the upstream of a relation; a service may depend on anything.
SUPPLIERS: Mapping[Relation, frozenset[str]] = MappingProxyType({
    Relation.POWER: frozenset({"utility", "generator", "ats", "ups", "pdu"}),
    Relation.COOLING: frozenset({"air_conditioner", "cooling_zone"}),
    Relation.NETWORK: frozenset({"switch", "router", "firewall"}),
    Relation.SERVICE: KINDS,
})
# Physical relations flow down the containment tree; logical service dependencies do not.
INHERITED = (Relation.POWER, Relation.COOLING, Relation.NETWORK)


@dataclass(frozen=True)
class Component:
    """One thing in the room: a container, a device, a sensor, or a business service."""

    id: str
    kind: str
    name: str
    parent: str | None
    criticality: str | None = None
    aliases: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "aliases", tuple(self.aliases))
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))


@dataclass(frozen=True)
class Dependency:
    """`dependant` needs `upstream` for `relation`; `redundant`: one of alternative feeds."""

    dependant: str
    upstream: str
    relation: Relation
    redundant: bool = False


@dataclass(frozen=True)
class Upstream:
    """A transitive upstream of a component, `depth` hops away (1 = direct or inherited).

    `relation` is that of the last hop (the UPS behind a PDU is `power`); `via` is the upstream
    it was reached through (None at depth 1); `redundant` is True when losing this upstream
    alone does not take the component down.
    """

    component: Component
    relation: Relation
    depth: int
    redundant: bool = False
    via: str | None = None


@dataclass(frozen=True)
class _Edge:
    upstream: str
    relation: Relation
    redundant: bool


_CRITICALITY_RANK = {name: rank for rank, name in enumerate(CRITICALITIES)}


class Topology:
    """An immutable topology with indexed lookups; build it once per load."""

    def __init__(self, components: Iterable[Component], dependencies: Iterable[Dependency]) -> None:
        self.components: Mapping[str, Component] = MappingProxyType({c.id: c for c in components})
        self.dependencies: tuple[Dependency, ...] = tuple(dependencies)
        self._children: dict[str, list[str]] = {}
        for component in self.components.values():
            if component.parent is not None:
                self._children.setdefault(component.parent, []).append(component.id)
        self._aliases = self._index_aliases()
        declared: dict[str, list[_Edge]] = {}
        for dep in self.dependencies:
            declared.setdefault(dep.dependant, []).append(_Edge(dep.upstream, dep.relation, dep.redundant))
        self._up: dict[str, tuple[_Edge, ...]] = {
            cid: self._effective_edges(cid, declared) for cid in self.components
        }
        self._down: dict[str, list[str]] = {}
        for cid, edges in self._up.items():
            for edge in edges:
                self._down.setdefault(edge.upstream, []).append(cid)
        self._lost_cache: dict[str, frozenset[str]] = {}
        self._upstreams_cache: dict[str, tuple[Upstream, ...]] = {}

    def _index_aliases(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for component in self.components.values():
            for alias in component.aliases:
                index.setdefault(alias, component.id)
                index.setdefault(alias.lower(), component.id)
            index.setdefault(component.id.lower(), component.id)
        return index

    def _effective_edges(self, cid: str, declared: Mapping[str, list[_Edge]]) -> tuple[_Edge, ...]:
        """Own edges, plus per physical relation the nearest container's when none is declared.

        A component never inherits a relation it supplies itself: an air conditioner standing
        in a room cooled by its own zone is not cooled by that zone.
        """
        own = declared.get(cid, [])
        edges = list(own)
        kind = self.components[cid].kind
        for relation in INHERITED:
            if kind in SUPPLIERS[relation] or any(e.relation is relation for e in own):
                continue
            for ancestor in self.containers(cid):
                found = [e for e in declared.get(ancestor, []) if e.relation is relation]
                if found:
                    edges.extend(e for e in found if e.upstream != cid)
                    break
        return tuple(edges)

    def get(self, component_id: str) -> Component | None:
        """Return the component with this id, or None."""
        return self.components.get(component_id)

    def resolve(self, name: str) -> Component | None:
        """Find the component an alert names: by id, alias, case-insensitively, then without
        a ":port" suffix, then by the short host name of a fully qualified one."""
        candidates = [name.strip()]
        host, sep, port = candidates[0].rpartition(":")
        if sep and port.isdigit() and host:
            candidates.append(host.strip("[]"))
        short = candidates[-1].split(".", 1)[0]
        if short != candidates[-1] and not short.isdigit():
            candidates.append(short)
        for candidate in candidates:
            if candidate in self.components:
                return self.components[candidate]
            cid = self._aliases.get(candidate) or self._aliases.get(candidate.lower())
            if cid is not None:
                return self.components[cid]
        return None

    def containers(self, component_id: str) -> tuple[str, ...]:
        """Return the ids of the component's containers, innermost first."""
        chain: list[str] = []
        current = self.components.get(component_id)
        while current is not None and current.parent is not None and current.parent not in chain:
            chain.append(current.parent)
            current = self.components.get(current.parent)
        return tuple(chain)

    def location(self, component_id: str) -> dict[str, str]:
        """Return {"site", "room", "row", "rack"} ids of where it stands (only known keys)."""
        component = self.components.get(component_id)
        if component is None:
            return {}
        chain = (component_id,) + self.containers(component_id)
        found = {self.components[c].kind: c for c in chain if c in self.components}
        return {kind: found[kind] for kind in CONTAINERS if kind in found}

    def site_of(self, component_id: str) -> str:
        """Return the site id (the correlation scope); for a component outside the tree, such
        as a service, the one site all its upstreams share; "" when unknown or several."""
        site = self.location(component_id).get("site")
        if site is not None:
            return site
        sites = {self.location(u.component.id).get("site") for u in self.upstreams(component_id)}
        sites.discard(None)
        return sites.pop() if len(sites) == 1 else ""

    def upstreams(self, component_id: str) -> tuple[Upstream, ...]:
        """Return every transitive upstream (containment inherited), nearest first (computed once per component)."""
        found = self._upstreams_cache.get(component_id)
        if found is None:
            found = self._upstreams_cache[component_id] = self._walk_upstreams(component_id)
        return found

    def precompute(self) -> None:
        """Answer `upstreams` (and with it `lost_with` of every upstream) for every component now.

        A storm asks about thousands of components for the first time at once: done lazily, a
        room of 8,000 servers spent ~0.7 s of the correlate stage on it in the first storm after a
        start (docs/benchmarks.md §15). The shell calls this in a thread when it loads a revision.
        """
        for component_id in self.components:
            self.upstreams(component_id)

    def _walk_upstreams(self, component_id: str) -> tuple[Upstream, ...]:
        if component_id not in self.components:
            return ()
        seen = {component_id}
        found: list[Upstream] = []
        queue = deque([(component_id, 0)])
        while queue:
            current, depth = queue.popleft()
            for edge in self._up.get(current, ()):
                if edge.upstream in seen or edge.upstream not in self.components:
                    continue
                seen.add(edge.upstream)
                redundant = component_id not in self.lost_with((edge.upstream,))
                via = current if current != component_id else None
                found.append(Upstream(self.components[edge.upstream], edge.relation, depth + 1, redundant, via))
                queue.append((edge.upstream, depth + 1))
        return tuple(found)

    def _contents(self, component_id: str) -> list[str]:
        """The component and everything contained in it, at any depth."""
        result, stack = [], [component_id]
        while stack:
            current = stack.pop()
            result.append(current)
            stack.extend(self._children.get(current, ()))
        return result

    def dependants(self, component_id: str) -> frozenset[str]:
        """Return every component that transitively depends on it, redundantly or not; for a
        container, also everything it contains and their dependants."""
        if component_id not in self.components:
            return frozenset()
        start = self._contents(component_id)
        seen = set(start)
        queue = deque(start)
        while queue:
            for dependant in self._down.get(queue.popleft(), ()):
                if dependant not in seen:
                    seen.add(dependant)
                    queue.append(dependant)
        seen.discard(component_id)
        return frozenset(seen)

    def lost_with(self, component_ids: Iterable[str]) -> frozenset[str]:
        """Return the components that lose power, cooling, network or service when all of
        these fail together (the failed ones and their contents included).

        A dependant is lost when any of its non-redundant upstreams of a relation is lost, or
        every upstream of its redundant group for that relation is.
        """
        seeds = tuple(sorted(set(component_ids)))
        if len(seeds) == 1 and seeds[0] in self._lost_cache:
            return self._lost_cache[seeds[0]]
        lost: set[str] = set()
        queue: deque[str] = deque()
        for seed in seeds:
            if seed in self.components:
                for cid in self._contents(seed):
                    if cid not in lost:
                        lost.add(cid)
                        queue.append(cid)
        while queue:
            for dependant in self._down.get(queue.popleft(), ()):
                if dependant not in lost and self._is_lost(dependant, lost):
                    lost.add(dependant)
                    queue.append(dependant)
        result = frozenset(lost)
        if len(seeds) == 1:
            self._lost_cache[seeds[0]] = result
        return result

    def _is_lost(self, component_id: str, lost: set[str]) -> bool:
        groups: dict[Relation, list[bool]] = {}
        for edge in self._up.get(component_id, ()):
            if not edge.redundant and edge.upstream in lost:
                return True
            if edge.redundant:
                groups.setdefault(edge.relation, []).append(edge.upstream in lost)
        return any(all(flags) for flags in groups.values())

    def services_affected(
        self, component_ids: Iterable[str], *, lost_only: bool = False
    ) -> tuple[Component, ...]:
        """Return the services depending (transitively) on any of them, or named among them,
        most critical first; `lost_only` keeps those actually lost (redundancy considered)."""
        ids = [cid for cid in component_ids if cid in self.components]
        reached = set(self.lost_with(ids)) if lost_only else set(ids)
        if not lost_only:
            for cid in ids:
                reached |= self.dependants(cid)
        services = [self.components[c] for c in reached if self.components[c].kind == SERVICE_KIND]
        return tuple(sorted(services, key=_criticality_order))

    def cycles(self, limit: int = 50) -> tuple[tuple[str, ...], ...]:
        """Return dependency cycles (inherited edges included) as id paths, first id repeated
        at the end; a valid topology has none."""
        found: list[tuple[str, ...]] = []
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done
        for root in sorted(self.components):
            if root in state:
                continue
            path: list[str] = [root]
            state[root] = 1
            stack = [iter(sorted({e.upstream for e in self._up.get(root, ())}))]
            while stack and len(found) < limit:
                nxt = next(stack[-1], None)
                if nxt is None:
                    stack.pop()
                    state[path.pop()] = 2
                elif state.get(nxt) == 1:
                    found.append(tuple(path[path.index(nxt):]) + (nxt,))
                elif nxt not in state and nxt in self.components:
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append(iter(sorted({e.upstream for e in self._up.get(nxt, ())})))
        return tuple(found)


def _criticality_order(component: Component) -> tuple[int, str]:
    return (_CRITICALITY_RANK.get(component.criticality or "", len(CRITICALITIES)), component.id)
