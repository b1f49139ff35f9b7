"""I/O: alembic migration: SLA clocks: response and resolution deadlines on incidents, breach and warning marks (helper: SLA).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

#: Nullable: incidents opened before this revision have no deadlines, and the monitor leaves them alone.
_COLUMNS = (
    ("sla_calendar", sa.String(64)),
    ("response_warn_at", sa.DateTime()),
    ("response_due_at", sa.DateTime()),
    ("resolution_warn_at", sa.DateTime()),
    ("resolution_due_at", sa.DateTime()),
    ("response_warned_at", sa.DateTime()),
    ("response_breached_at", sa.DateTime()),
    ("resolution_warned_at", sa.DateTime()),
    ("resolution_breached_at", sa.DateTime()),
)


def upgrade() -> None:
    """Add the SLA calendar, deadline and mark columns to incidents."""
    with op.batch_alter_table("incidents") as batch:
        for name, type_ in _COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    """Drop the SLA columns."""
    with op.batch_alter_table("incidents") as batch:
        for name, _type in reversed(_COLUMNS):
            batch.drop_column(name)
