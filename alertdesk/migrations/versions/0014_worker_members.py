"""I/O: alembic migration: the workers' liveness rows (docs/workers.md, "When a worker dies").

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create `worker_members` as `alertdesk.member_models` defines it."""
    op.create_table(
        "worker_members",
        sa.Column("worker_key", sa.String(64), primary_key=True),
        sa.Column("group_id", sa.String(255), nullable=False),
        sa.Column("member_id", sa.String(255), nullable=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    """Drop `worker_members`."""
    op.drop_table("worker_members")
