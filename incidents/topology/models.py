"""I/O: SQLAlchemy models of the loaded topology: its components, dependencies and revisions.

The topology is replaced as a whole on every load (`store.save_topology`), so these tables hold
exactly one topology, plus a revision row per load that says who loaded which files, when, and
the content checksum that lets a restarted worker skip reloading the same files.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from incidents.db import Base, UTCDateTime


class TopologyComponent(Base):
    """One component; `position` keeps the files' order, which orders equal-depth upstreams."""

    __tablename__ = "topology_components"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(256), nullable=False)
    parent_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    criticality: Mapped[str | None] = mapped_column(String(16), nullable=True)
    aliases: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    labels: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)


class TopologyDependency(Base):
    """`dependant` needs `upstream` for `relation` (power, cooling, network, service)."""

    __tablename__ = "topology_dependencies"
    __table_args__ = (
        UniqueConstraint("dependant_id", "upstream_id", "relation", name="uq_topology_dependencies_edge"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    dependant_id: Mapped[str] = mapped_column(String(128), nullable=False)
    upstream_id: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    relation: Mapped[str] = mapped_column(String(16), nullable=False)
    redundant: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class TopologyRevision(Base):
    """One load of the topology: when, by whom, from which files, and what it contained."""

    __tablename__ = "topology_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    loaded_by: Mapped[str] = mapped_column(String(128), nullable=False)
    files: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    component_count: Mapped[int] = mapped_column(Integer, nullable=False)
    checksum: Mapped[str] = mapped_column(String(64), nullable=False)
