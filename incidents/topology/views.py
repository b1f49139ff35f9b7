"""Pure: what the API and `alertdesk topology show` print about a topology, as plain dicts and text.

One rendering for both, so the service desk's screen and the engineer's terminal never
disagree about where a device stands or what it hangs off.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from incidents.topology.store import Revision
from streams.clock import format_instant
from streams.correlation.topology import CONTAINERS, Component, Topology


def revision_view(revision: Revision | None) -> dict[str, Any] | None:
    """The revision as JSON-ready data."""
    if revision is None:
        return None
    return {
        "number": revision.number,
        "loaded_at": format_instant(revision.loaded_at),
        "loaded_by": revision.loaded_by,
        "files": list(revision.files),
        "component_count": revision.component_count,
        "checksum": revision.checksum,
    }


def summary_view(topology: Topology, revision: Revision | None) -> dict[str, Any]:
    """Counts by kind and the containment tree of sites > rooms > rows > racks with device counts."""
    children: dict[str | None, list[Component]] = {}
    for component in topology.components.values():
        children.setdefault(component.parent, []).append(component)

    def node(container: Component) -> dict[str, Any]:
        inside = children.get(container.id, [])
        return {
            "id": container.id,
            "kind": container.kind,
            "name": container.name,
            "devices": sum(1 for c in inside if c.kind not in CONTAINERS),
            "children": [node(c) for c in inside if c.kind in CONTAINERS],
        }

    return {
        "revision": revision_view(revision),
        "components": len(topology.components),
        "dependencies": len(topology.dependencies),
        "by_kind": dict(sorted(Counter(c.kind for c in topology.components.values()).items())),
        "sites": [node(c) for c in children.get(None, []) if c.kind == "site"],
        "services": [_brief(c) for c in topology.services_affected(
            cid for cid, c in topology.components.items() if c.kind == "service"
        )],
    }


def component_view(topology: Topology, component_id: str) -> dict[str, Any] | None:
    """One component (found by id or alias): where it is, what it hangs off, what hangs off it."""
    component = topology.resolve(component_id)
    if component is None:
        return None
    return {
        "component": {**_brief(component), "parent": component.parent, "aliases": list(component.aliases),
                      "labels": dict(component.labels)},
        "location": topology.location(component.id),
        "site": topology.site_of(component.id),
        "upstreams": [
            {**_brief(u.component), "relation": str(u.relation), "depth": u.depth, "via": u.via,
             "redundant": u.redundant}
            for u in topology.upstreams(component.id)
        ],
        "dependants": len(topology.dependants(component.id)),
        "lost_alone": len(topology.lost_with([component.id]) - {component.id}),
        "services": [_brief(s) for s in topology.services_affected([component.id])],
    }


def _brief(component: Component) -> dict[str, Any]:
    return {"id": component.id, "kind": component.kind, "name": component.name, "criticality": component.criticality}


def summary_text(summary: dict[str, Any]) -> str:
    """The summary as an indented tree for a terminal."""
    revision = summary["revision"]
    lines = [
        f"revision {revision['number']} loaded {revision['loaded_at']} by {revision['loaded_by']}: {', '.join(revision['files'])}"
        if revision else "no revision (not loaded into the database)",
        f"{summary['components']} components, {summary['dependencies']} dependencies: "
        + ", ".join(f"{kind} {count}" for kind, count in summary["by_kind"].items()),
    ]

    def walk(node: dict[str, Any], indent: str) -> None:
        count = node["devices"]
        devices = f", {count} device{'s' if count > 1 else ''}" if count else ""
        lines.append(f"{indent}{node['kind']} {node['id']} {node['name']}{devices}")
        for child in node["children"]:
            walk(child, indent + "  ")

    for site in summary["sites"]:
        walk(site, "")
    lines += [f"service {s['id']} {s['name']} ({s['criticality'] or '-'})" for s in summary["services"]]
    return "\n".join(lines)


def component_text(view: dict[str, Any]) -> str:
    """One component's view for a terminal: location, upstreams by relation, dependants, services."""
    c = view["component"]
    where = " > ".join(view["location"].get(k, "") for k in CONTAINERS if k in view["location"])
    lines = [f"{c['kind']} {c['id']} {c['name']}", f"  location: {where or '-'}"]
    if c["aliases"]:
        lines.append(f"  aliases: {', '.join(c['aliases'])}")
    for relation in ("power", "cooling", "network", "service"):
        chain = [u for u in view["upstreams"] if u["relation"] == relation]
        if chain:
            lines.append(f"  {relation}:")
            lines += [
                f"    {'  ' * (u['depth'] - 1)}{u['id']} ({u['kind']})"
                f"{' via ' + u['via'] if u['via'] else ''}{' redundant' if u['redundant'] else ''}"
                for u in chain
            ]
    lines.append(f"  dependants: {view['dependants']} ({view['lost_alone']} lost if it fails alone)")
    lines.append("  services: " + (", ".join(f"{s['id']} ({s['criticality'] or '-'})" for s in view["services"]) or "-"))
    return "\n".join(lines)
