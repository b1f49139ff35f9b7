"""Pure: what the topology says about an alert — its component, its plausible causes, what a root takes down.

One `CauseIndex` per topology revision: every answer is cached, because a storm asks the same
questions about the same components thousands of times (the shell builds a new index, with
empty caches, when the topology changes).
"""
from __future__ import annotations

from dataclasses import dataclass

from streams.alerts.model import Alert
from streams.correlation.categories import CAUSE_RELATIONS, Category
from streams.correlation.topology import CONTAINERS, SERVICE_KIND, Component, Relation, Topology, Upstream

#: Labels that may name the component an alert is about, most specific first (location last).
COMPONENT_LABELS = ("component", "device", "instance", "host", "hostname", "node", "rack", "row", "room")
#: Kinds that are not devices when counting what an incident takes down.
_NOT_DEVICES = frozenset(CONTAINERS) | {SERVICE_KIND, "sensor", "cooling_zone"}


@dataclass(frozen=True)
class Loss:
    """What a root takes down: devices, and the services' ids and criticalities (ready-made: every alert
    joining a big incident re-assesses its priority, and a power root can take hundreds of services down)."""

    devices: int
    service_ids: tuple[str, ...] = ()
    criticalities: tuple[str, ...] = ()


class CauseIndex:
    """Cached topology questions of correlation: component of an alert, causes, losses, upstreams."""

    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self._causes: dict[tuple[str, Category], tuple[Upstream, ...]] = {}
        self._cause_ids: dict[tuple[str, Category], frozenset[str]] = {}
        self._loss: dict[str, Loss] = {}
        self._touched: dict[str, frozenset[str]] = {}

    def component_of(self, alert: Alert) -> Component | None:
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
        if key not in self._causes:
            relations = CAUSE_RELATIONS[category]
            reached: set[str] = set()
            causes = []
            for upstream in self.topology.upstreams(component_id):  # breadth first: a path's hops come first
                if upstream.relation in relations and (upstream.via is None or upstream.via in reached):
                    reached.add(upstream.component.id)
                    causes.append(upstream)
            self._causes[key] = tuple(causes)
        return self._causes[key]

    def cause_ids(self, component_id: str, category: Category) -> frozenset[str]:
        """The ids of `causes(component_id, category)`."""
        key = (component_id, category)
        if key not in self._cause_ids:
            self._cause_ids[key] = frozenset(u.component.id for u in self.causes(component_id, category))
        return self._cause_ids[key]

    def loss(self, root_id: str) -> Loss:
        """How many devices and which services the root takes down."""
        if root_id not in self._loss:
            lost = self.topology.lost_with([root_id])
            devices = sum(1 for cid in lost if self.topology.components[cid].kind not in _NOT_DEVICES)
            services = self.topology.services_affected([root_id], lost_only=True)
            ids, criticalities = tuple(s.id for s in services), tuple(s.criticality or "" for s in services)
            self._loss[root_id] = Loss(devices, ids, criticalities)
        return self._loss[root_id]

    def touched(self, component: Component | None) -> frozenset[str]:
        """The component and everything upstream of it: what a maintenance window on any of them covers."""
        if component is None:
            return frozenset()
        # Every new alert and every tick's re-check asks: walk the topology once per component.
        touched = self._touched.get(component.id)
        if touched is None:
            touched = frozenset({component.id, *(u.component.id for u in self.topology.upstreams(component.id))})
            self._touched[component.id] = touched
        return touched

    def named_cause(self, cause: Component) -> Component:
        """Name the equipment behind a cooling zone when exactly one air conditioner serves it."""
        if cause.kind != "cooling_zone":
            return cause
        units = [
            u.component for u in self.topology.upstreams(cause.id)
            if u.depth == 1 and u.relation is Relation.COOLING and u.component.kind == "air_conditioner"
        ]
        return units[0] if len(units) == 1 else cause


__all__ = ["COMPONENT_LABELS", "CauseIndex"]
