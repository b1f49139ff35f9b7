"""I/O: alembic migration: what people do to incidents — who acknowledged and when, the assignee, when it was
closed — and "open" for the one-open-incident-per-group index now excludes closed incidents too.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_INDEX = "uq_incidents_open_group"
_OPEN = "status NOT IN ('resolved', 'closed')"
_OPEN_BEFORE = "status != 'resolved'"


def _incident_columns() -> tuple[sa.Column, ...]:
    """The new incident columns (fresh objects each call: a Column belongs to one table)."""
    return (
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(128), nullable=True),
        sa.Column("assignee", sa.String(128), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
    )


def _open_group_index(where: str) -> None:
    op.create_index(
        _INDEX, "incidents", ["group_key"], unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where)
    )


def upgrade() -> None:
    """Add the lifecycle columns and narrow the open-group index as `incidents.models` defines them."""
    with op.batch_alter_table("incidents") as batch:
        for column in _incident_columns():
            batch.add_column(column)
    op.drop_index(_INDEX, "incidents")
    _open_group_index(_OPEN)


def downgrade() -> None:
    """Drop what `upgrade` added; closed incidents become resolved, so the older index still holds."""
    op.execute(sa.text("UPDATE incidents SET status = 'resolved' WHERE status = 'closed'"))
    op.drop_index(_INDEX, "incidents")
    # Index last: on SQLite the batch recreates the table, and a partial index is not carried over reliably.
    with op.batch_alter_table("incidents") as batch:
        for column in reversed(_incident_columns()):
            batch.drop_column(column.name)
    _open_group_index(_OPEN_BEFORE)
