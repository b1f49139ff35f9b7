"""I/O: alembic migration: shift handover records (helper: reports and handover).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create `handovers` as `incidents.handover.models` defines it."""
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("request_key", sa.String(255), nullable=False),
        sa.Column("shift_label", sa.String(64), nullable=False),
        sa.Column("shift_start", sa.DateTime(), nullable=False),
        sa.Column("shift_end", sa.DateTime(), nullable=False),
        sa.Column("outgoing", sa.String(128), nullable=False),
        sa.Column("incoming", sa.String(128), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.Column("written_by", sa.String(128), nullable=False),
        sa.Column("written_via", sa.String(16), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(128), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.UniqueConstraint("request_key", name="uq_handovers_request_key"),
        sa.UniqueConstraint("shift_label", "shift_start", name="uq_handovers_shift"),
    )
    op.create_index("ix_handovers_shift_start", "handovers", ["shift_start"])
    op.create_index("ix_handovers_incoming", "handovers", ["incoming"])
    op.create_index("ix_handovers_written_at", "handovers", ["written_at"])


def downgrade() -> None:
    """Drop `handovers`."""
    op.drop_table("handovers")
