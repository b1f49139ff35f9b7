"""I/O: alembic migration: incidents reported by people (`reported_by`) and links between related incidents.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("reported_by", sa.String(128), nullable=True))
    op.create_table(
        "incident_links",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("other_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("incident_id", "other_id", name="uq_incident_links_pair"),
    )
    op.create_index("ix_incident_links_incident_id", "incident_links", ["incident_id"])
    op.create_index("ix_incident_links_other_id", "incident_links", ["other_id"])


def downgrade() -> None:
    op.drop_table("incident_links")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("reported_by")
