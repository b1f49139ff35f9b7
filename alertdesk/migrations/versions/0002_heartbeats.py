"""I/O: alembic migration: the `heartbeats` table (dead-man's switch state, `incidents.heartbeats.models`).

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create `heartbeats`, one row per configured heartbeat."""
    op.create_table(
        "heartbeats",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_ping_at", sa.DateTime(), nullable=True),
        sa.Column("missed_since", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    """Drop `heartbeats`."""
    op.drop_table("heartbeats")
