"""I/O: alembic migration: what correlation records — root cause, priority and majority on incidents,
symptoms on incident alerts, held alerts, and suppressed alerts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

def _incident_columns() -> tuple[sa.Column, ...]:
    """The new incident columns (fresh objects each call: a Column belongs to one table)."""
    return (
        sa.Column("scope", sa.String(128), nullable=False, server_default=""),
        sa.Column("root_component", sa.String(256), nullable=True),
        sa.Column("root_kind", sa.String(32), nullable=True),
        sa.Column("root_name", sa.String(256), nullable=True),
        sa.Column("category", sa.String(32), nullable=False, server_default="other"),
        sa.Column("inferred_root", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("impact", sa.String(8), nullable=False, server_default="low"),
        sa.Column("urgency", sa.String(8), nullable=False, server_default="low"),
        sa.Column("priority", sa.String(4), nullable=False, server_default="P5"),
        sa.Column("major", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("major_reason", sa.Text(), nullable=True),
        sa.Column("services", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("affected_count", sa.Integer(), nullable=False, server_default="0"),
    )


def upgrade() -> None:
    """Add the correlation columns and tables as `incidents.models` defines them."""
    with op.batch_alter_table("incidents") as batch:
        for column in _incident_columns():
            batch.add_column(column)
    op.create_index("ix_incidents_scope", "incidents", ["scope"])
    op.create_index("ix_incidents_priority", "incidents", ["priority"])
    op.create_index("ix_incidents_major", "incidents", ["major"])
    with op.batch_alter_table("incident_alerts") as batch:
        batch.add_column(sa.Column("component", sa.String(256), nullable=True))
        batch.add_column(sa.Column("symptom", sa.Boolean(), nullable=False, server_default=sa.false()))

    op.create_table(
        "correlation_holds",
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("scope", sa.String(128), nullable=False),
        sa.Column("change_id", sa.String(64), nullable=False),
        sa.Column("component", sa.String(256), nullable=True),
        sa.Column("group_key", sa.String(512), nullable=False),
        sa.Column("alert", sa.JSON(), nullable=False),
        sa.Column("held_until", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_correlation_holds_scope", "correlation_holds", ["scope"])

    op.create_table(
        "suppressed_alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(128), nullable=False),
        sa.Column("change_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("resource", sa.String(256), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("suppressed_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("alert", sa.JSON(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=True),
        sa.Column("suppressed_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("fingerprint", "starts_at", name="uq_suppressed_alerts_occurrence"),
    )
    op.create_index("ix_suppressed_alerts_fingerprint", "suppressed_alerts", ["fingerprint"])
    op.create_index("ix_suppressed_alerts_scope", "suppressed_alerts", ["scope"])
    op.create_index("ix_suppressed_alerts_status", "suppressed_alerts", ["status"])


def downgrade() -> None:
    """Drop what `upgrade` added."""
    op.drop_table("suppressed_alerts")
    op.drop_table("correlation_holds")
    op.drop_index("ix_incidents_major", "incidents")
    op.drop_index("ix_incidents_priority", "incidents")
    op.drop_index("ix_incidents_scope", "incidents")
    with op.batch_alter_table("incident_alerts") as batch:
        batch.drop_column("symptom")
        batch.drop_column("component")
    with op.batch_alter_table("incidents") as batch:
        for column in reversed(_incident_columns()):
            batch.drop_column(column.name)
