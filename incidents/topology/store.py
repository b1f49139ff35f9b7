"""I/O: save and load the topology in the database, one whole topology at a time.

A load replaces every component and dependency in the caller's transaction, so readers see
the old topology or the new one, never half of each. The revision's checksum is of the
content, so loading the same files again (every worker does at startup) writes nothing.
Functions take the session first (by name or position) and never commit: the shell owns the transaction.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from incidents.topology.models import TopologyComponent, TopologyDependency, TopologyRevision
from streams.correlation.topology import Component, Dependency, Relation, Topology

# Two workers starting together both load the files; this lock makes the second one wait and
# then find the same checksum, instead of colliding on primary keys (PostgreSQL only; SQLite
# has a single writer anyway).
_PG_LOCK_KEY = 0x7A0901


@dataclass(frozen=True)
class Revision:
    """A load of the topology, as the API and CLI report it."""

    number: int
    loaded_at: datetime
    loaded_by: str
    files: tuple[str, ...]
    component_count: int
    checksum: str


@dataclass(frozen=True)
class SavedTopology:
    """The revision now current, and whether this save changed anything."""

    revision: Revision
    changed: bool


def save_topology(
    session: Session, topology: Topology, *, source: str, now: datetime, files: Sequence[str] = ()
) -> SavedTopology:
    """Replace the stored topology with `topology`, unless the current one has the same content.

    Args:
        session: an open session; flushed, never committed.
        topology: the validated topology to store.
        source: who or what loaded it ("cli", "startup", a user name), for the revision.
        now: the load time (aware UTC).
        files: the files it was read from.

    Returns:
        The current revision and whether it is new.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    checksum = topology_checksum(topology)
    current = current_revision(session)
    if current is not None and current.checksum == checksum:
        return SavedTopology(current, changed=False)
    session.execute(delete(TopologyDependency))
    session.execute(delete(TopologyComponent))
    session.add_all(
        TopologyComponent(
            id=c.id, position=i, kind=c.kind, name=c.name, parent_id=c.parent, criticality=c.criticality,
            aliases=list(c.aliases), labels=dict(c.labels),
        )
        for i, c in enumerate(topology.components.values())
    )
    session.add_all(
        TopologyDependency(
            position=i, dependant_id=d.dependant, upstream_id=d.upstream, relation=str(d.relation), redundant=d.redundant
        )
        for i, d in enumerate(topology.dependencies)
    )
    row = TopologyRevision(
        loaded_at=now, loaded_by=source[:128], files=list(files), component_count=len(topology.components),
        checksum=checksum,
    )
    session.add(row)
    session.flush()
    return SavedTopology(_revision(row), changed=True)


def load_topology(session: Session) -> Topology:
    """Return the stored topology (empty when none was ever loaded)."""
    components = session.scalars(select(TopologyComponent).order_by(TopologyComponent.position)).all()
    dependencies = session.scalars(select(TopologyDependency).order_by(TopologyDependency.position)).all()
    return Topology(
        (
            Component(
                id=row.id, kind=row.kind, name=row.name, parent=row.parent_id, criticality=row.criticality,
                aliases=tuple(row.aliases), labels=row.labels,
            )
            for row in components
        ),
        (Dependency(row.dependant_id, row.upstream_id, Relation(row.relation), row.redundant) for row in dependencies),
    )


def current_revision(session: Session) -> Revision | None:
    """Return the latest load's revision, or None when no topology was ever loaded."""
    row = session.scalars(select(TopologyRevision).order_by(TopologyRevision.id.desc()).limit(1)).first()
    return _revision(row) if row is not None else None


def topology_if_changed(session: Session, known: str | None) -> tuple[str, Topology] | None:
    """Return the current revision's checksum and topology, or None when it is still `known`.

    The revision is one indexed row; the topology of a large room is thousands of rows, so the
    correlate stage's periodic refresh loads it only when it changed ("" stands for "none loaded").
    """
    revision = current_revision(session)
    checksum = "" if revision is None else revision.checksum
    if checksum == known:
        return None
    return checksum, Topology((), ()) if revision is None else load_topology(session)


def topology_checksum(topology: Topology) -> str:
    """Return a SHA-256 of the topology's content, in order (same files, same checksum)."""
    content = {
        "components": [
            [c.id, c.kind, c.name, c.parent, c.criticality, list(c.aliases), dict(sorted(c.labels.items()))]
            for c in topology.components.values()
        ],
        "dependencies": [[d.dependant, d.upstream, str(d.relation), d.redundant] for d in topology.dependencies],
    }
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _revision(row: TopologyRevision) -> Revision:
    return Revision(
        number=row.id, loaded_at=row.loaded_at, loaded_by=row.loaded_by, files=tuple(row.files),
        component_count=row.component_count, checksum=row.checksum,
    )
