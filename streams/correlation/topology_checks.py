"""Pure: check located entries for meaning and build the `Topology`, reporting every problem.

A topology that is loaded wrongly misleads the person on call ("the UPS is fine, it's just
the servers"), so nothing half-valid is built: every error is collected, each naming the file,
line and component, up to `MAX_ERRORS`, and then `TopologyError` carries them all.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from streams.correlation.topology import (
    CRITICALITIES,
    KINDS,
    SERVICE_KIND,
    SUPPLIERS,
    Component,
    Dependency,
    Relation,
    Topology,
)
from streams.correlation.topology_format import RELATION_KEYS, Entry

MAX_ERRORS = 50

# The kinds each kind may stand in; None: it stands in nothing.
PARENT_KINDS = {"site": None, "room": "site", "row": "room", "rack": "row", SERVICE_KIND: None}
DEVICE_PARENTS = ("rack", "row", "room", "site")
_KEY_OF = {relation: key for key, relation in RELATION_KEYS.items()}


class TopologyError(ValueError):
    """The topology files are invalid; `errors` holds every problem, "file:line: id: problem"."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = tuple(errors[:MAX_ERRORS])
        more = len(errors) - len(self.errors)
        lines = list(self.errors) + ([f"... and {more} more"] if more > 0 else [])
        super().__init__(f"{len(errors)} topology error(s):\n" + "\n".join(lines))


def build_topology(entries: Sequence[Entry], errors: Iterable[str] = ()) -> Topology:
    """Check `entries` (after the format `errors` already found) and build their topology.

    Raises:
        TopologyError: with every problem found, format errors first.
    """
    problems = list(errors)
    by_id: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in by_id:
            problems.append(f"{entry.where}: {entry.id}: duplicate id, first defined at {by_id[entry.id].where}")
        else:
            by_id[entry.id] = entry
    for entry in by_id.values():
        problems += _check_kind_and_place(entry, by_id)
        problems += _check_upstreams(entry, by_id)
    problems += _check_aliases(list(by_id.values()))
    if problems:
        raise TopologyError(problems)
    topology = Topology(
        (_component(entry) for entry in by_id.values()),
        (
            Dependency(entry.id, upstream, relation, relation in entry.redundant)
            for entry in by_id.values()
            for relation, upstreams in entry.upstreams
            for upstream in upstreams
        ),
    )
    cycles = topology.cycles(MAX_ERRORS)
    if cycles:
        raise TopologyError([
            f"{by_id[cycle[0]].where}: {cycle[0]}: dependency cycle {' -> '.join(cycle)}"
            " (containers pass power, cooling and network down to what they hold)"
            for cycle in cycles
        ])
    return topology


def _component(entry: Entry) -> Component:
    return Component(
        id=entry.id, kind=entry.kind, name=entry.name or entry.id, parent=entry.parent,
        criticality=entry.criticality, aliases=entry.aliases, labels=entry.labels,
    )


def _check_kind_and_place(entry: Entry, by_id: dict[str, Entry]) -> list[str]:
    """Kind known, criticality known, and containment site > room > row > rack > device."""
    at = f"{entry.where}: {entry.id}"
    problems = []
    if not entry.kind:
        return [f"{at}: no kind (one of {', '.join(sorted(KINDS))})"]
    if entry.kind not in KINDS:
        return [f"{at}: unknown kind {entry.kind!r} (one of {', '.join(sorted(KINDS))})"]
    if entry.criticality is not None and entry.criticality not in CRITICALITIES:
        problems.append(f"{at}: unknown criticality {entry.criticality!r} (one of {', '.join(CRITICALITIES)})")
    allowed = (PARENT_KINDS[entry.kind],) if entry.kind in PARENT_KINDS else DEVICE_PARENTS
    if entry.parent is None:
        if allowed != (None,):
            problems.append(f"{at}: a {entry.kind} must stand in a {' or '.join(allowed)} (add 'in')")
        return problems
    parent = by_id.get(entry.parent)
    if parent is None:
        problems.append(f"{at}: 'in' names unknown component {entry.parent!r}")
    elif allowed == (None,):
        problems.append(f"{at}: a {entry.kind} stands in nothing, but 'in' is {entry.parent!r}")
    elif parent.kind not in allowed:
        problems.append(
            f"{at}: a {entry.kind} must stand in a {' or '.join(allowed)}, "
            f"but {parent.id!r} is a {parent.kind} (site > room > row > rack > device)"
        )
    return problems


def _check_upstreams(entry: Entry, by_id: dict[str, Entry]) -> list[str]:
    """References exist and can supply what is asked of them; redundancy has alternatives."""
    at = f"{entry.where}: {entry.id}"
    problems = []
    for relation, upstreams in entry.upstreams:
        key = _KEY_OF[relation]
        if entry.kind == SERVICE_KIND and relation is not Relation.SERVICE:
            problems.append(f"{at}: a service has no {key}; list what it runs on in depends_on")
        for upstream in upstreams:
            target = by_id.get(upstream)
            if target is None:
                problems.append(f"{at}: {key} names unknown component {upstream!r}")
            elif target.kind not in SUPPLIERS[relation]:
                suppliers = ", ".join(sorted(SUPPLIERS[relation]))
                problems.append(f"{at}: {key} {upstream!r} is a {target.kind}, which cannot supply {relation} ({suppliers})")
        duplicates = sorted({u for u in upstreams if upstreams.count(u) > 1})
        if duplicates:
            problems.append(f"{at}: {key} lists {', '.join(duplicates)} more than once")
    counts = {relation: len(upstreams) for relation, upstreams in entry.upstreams}
    for relation in sorted(entry.redundant):
        if counts.get(relation, 0) < 2:
            problems.append(f"{at}: redundant {relation} needs at least two entries in {_KEY_OF[relation]}")
    return problems


def _check_aliases(entries: Sequence[Entry]) -> list[str]:
    """An alias names one component only, and never another component's id."""
    ids = {entry.id.lower(): entry for entry in entries}
    owner: dict[str, Entry] = {}
    problems = []
    for entry in entries:
        for alias in entry.aliases:
            key = alias.lower()
            other = owner.setdefault(key, entry)
            if other is not entry:
                problems.append(f"{entry.where}: {entry.id}: alias {alias!r} is already claimed by {other.id} ({other.where})")
            elif key in ids and ids[key] is not entry:
                problems.append(f"{entry.where}: {entry.id}: alias {alias!r} is the id of {ids[key].id}")
    return problems
