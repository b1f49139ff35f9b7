"""I/O: alembic migration: paging — the outbox becomes a durable timer keyed by `page_key`, and escalations.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

_NEW_OUTBOX_COLUMNS = (
    ("page_key", sa.String(256), None),
    ("purpose", sa.String(16), "page"),
    ("cycle", sa.Integer(), "1"),
    ("contact", sa.String(64), ""),
    ("address", sa.String(256), ""),
    ("language", sa.String(8), "zh-CN"),
    ("priority", sa.String(4), "P5"),
    ("reason", sa.String(32), None),
    ("due_at", sa.DateTime(), None),
    ("claimed_until", sa.DateTime(), None),
    ("tries", sa.Integer(), "0"),
    ("provider_status", sa.String(32), None),
    ("updated_at", sa.DateTime(), None),
)


def upgrade() -> None:
    """Extend the outbox (old rows keep their page under a legacy key) and create escalations."""
    with op.batch_alter_table("outbox") as batch:
        for name, type_, default in _NEW_OUTBOX_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True, server_default=default))
    op.execute(
        "UPDATE outbox SET page_key = incident_id || '/0/legacy/' || escalation_level || '/' || recipient"
        " || '/' || channel || '/' || attempt, due_at = created_at"
    )
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("uq_outbox_page", type_="unique")
        batch.alter_column("page_key", existing_type=sa.String(256), nullable=False)
        batch.alter_column("due_at", existing_type=sa.DateTime(), nullable=False)
        batch.alter_column("incident_id", existing_type=sa.Integer(), nullable=True)
        for name in ("purpose", "cycle", "contact", "address", "language", "priority", "tries"):
            batch.alter_column(name, nullable=False)
        batch.create_unique_constraint("uq_outbox_page_key", ["page_key"])
        batch.create_index("ix_outbox_due_at", ["due_at"])
        batch.create_index("ix_outbox_provider_id", ["provider_id"])
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.String(128), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("priority", sa.String(4), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("next_due_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.UniqueConstraint("incident_id", name="uq_escalations_incident"),
    )
    op.create_index("ix_escalations_status", "escalations", ["status"])
    op.create_index("ix_escalations_next_due_at", "escalations", ["next_due_at"])


def downgrade() -> None:
    """Drop escalations and the outbox's paging columns (legacy keys are kept as the old unique key)."""
    op.drop_table("escalations")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_provider_id")
        batch.drop_index("ix_outbox_due_at")
        batch.drop_constraint("uq_outbox_page_key", type_="unique")
        for name, _type, _default in _NEW_OUTBOX_COLUMNS:
            batch.drop_column(name)
        batch.alter_column("incident_id", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint(
            "uq_outbox_page", ["incident_id", "escalation_level", "recipient", "channel", "attempt"]
        )
