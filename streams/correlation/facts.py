"""Pure: what correlation tells the writer about an incident — its facts (root, priority, major) and its names.

The facts are recomputed from a cluster's running aggregates (state.py), so prioritising a big
incident costs O(1) per joining alert. Titles stay stable for an incident's life (until a
re-root): no counts, nothing that changes as alerts attach.
"""
from __future__ import annotations

from streams.alerts.model import Alert
from streams.correlation.categories import Category
from streams.correlation.causes import CauseIndex, Loss
from streams.correlation.commands import IncidentFacts
from streams.correlation.priority import PriorityPolicy, assess
from streams.correlation.state import Cluster
from streams.correlation.topology import Component

#: Categories whose root cause takes its dependants down (so impact counts them).
_LOSS_CATEGORIES = frozenset({Category.POWER, Category.COOLING, Category.NETWORK, Category.AVAILABILITY})


def incident_facts(cluster: Cluster, index: CauseIndex, policy: PriorityPolicy) -> IncidentFacts:
    """The cluster's root, category, ITIL impact/urgency/priority and majority, as of now."""
    root = index.topology.get(cluster.root) if cluster.root else None
    takes_down = root is not None and cluster.category in _LOSS_CATEGORIES
    loss = index.loss(root.id) if takes_down else Loss(len(cluster.components))
    cooling_sensors = 0
    if cluster.category is Category.COOLING and root is not None and root.kind in ("cooling_zone", "air_conditioner"):
        cooling_sensors = len(cluster.cooling_components)
    assessment = assess(
        severity=cluster.severity,
        affected_devices=loss.devices,
        service_criticalities=loss.criticalities,
        rise_per_minute=cluster.rise_per_minute(),
        alert_names=cluster.names,
        cooling_sensors=cooling_sensors,
        policy=policy,
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
        services=loss.service_ids,
        affected=loss.devices,
    )


def same_assessment(before: IncidentFacts, after: IncidentFacts) -> bool:
    """True when impact, urgency, priority and majority are unchanged (no PRIORITIZE needed)."""
    return (before.impact, before.urgency, before.priority, before.major) == (
        after.impact, after.urgency, after.priority, after.major
    )


def incident_title(alert: Alert, root: Component | None, category: Category, inferred: bool) -> str:
    """The incident's title: the alert at its site, the alert on its root, or the probable cause."""
    if root is None:
        return f"{alert.name} at site {alert.site}" if alert.site else alert.name
    named = f"{root.name} [{root.id}]" if root.name and root.name != root.id else root.id
    if inferred:
        return f"{category.value.capitalize()} incident: probable cause {named}"
    return f"{alert.name} on {named}"


def root_group(component_id: str) -> str:
    """The group key of incidents rooted at a topology component."""
    return f"root:{component_id}"


def label_group(alert: Alert, group_by: tuple[str, ...]) -> str:
    """The group key of an alert with no topology: its values of the `group_by` labels (Alertmanager-like)."""
    values = [alert.name if key == "alertname" else alert.labels.get(key, "") for key in group_by]
    if group_by == ("alertname", "site"):
        values[1] = alert.site or "-"
    return "@".join(values)


__all__ = ["incident_facts", "incident_title", "label_group", "root_group", "same_assessment"]
