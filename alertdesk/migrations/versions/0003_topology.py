"""I/O: alembic migration: the topology tables (`incidents.topology.models`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-01-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create topology_components, topology_dependencies and topology_revisions."""
    op.create_table(
        "topology_components",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("parent_id", sa.String(128), nullable=True),
        sa.Column("criticality", sa.String(16), nullable=True),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
    )
    op.create_index("ix_topology_components_parent_id", "topology_components", ["parent_id"])
    op.create_table(
        "topology_dependencies",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("dependant_id", sa.String(128), nullable=False),
        sa.Column("upstream_id", sa.String(128), nullable=False),
        sa.Column("relation", sa.String(16), nullable=False),
        sa.Column("redundant", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("dependant_id", "upstream_id", "relation", name="uq_topology_dependencies_edge"),
    )
    op.create_index("ix_topology_dependencies_upstream_id", "topology_dependencies", ["upstream_id"])
    op.create_table(
        "topology_revisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.Column("loaded_by", sa.String(128), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("component_count", sa.Integer(), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    """Drop the topology tables."""
    op.drop_table("topology_revisions")
    op.drop_table("topology_dependencies")
    op.drop_table("topology_components")
