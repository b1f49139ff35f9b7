"""I/O: alembic migration: runbook executions and their steps (helper: runbooks), and drill incidents.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create runbook_executions and runbook_step_runs; mark incidents that are drills and who takes part."""
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("drill", sa.Boolean(), nullable=False, server_default=sa.text("false")))
        batch.add_column(sa.Column("drill_participants", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.create_table(
        "runbook_executions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("runbook_id", sa.String(64), nullable=False),
        sa.Column("runbook_version", sa.Integer(), nullable=False),
        sa.Column("runbook_title", sa.JSON(), nullable=False),
        sa.Column("start_key", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_by", sa.String(128), nullable=False),
        sa.Column("drill", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("start_key"),
    )
    op.create_index("ix_runbook_executions_incident_id", "runbook_executions", ["incident_id"])
    op.create_index("ix_runbook_executions_runbook_id", "runbook_executions", ["runbook_id"])
    op.create_index("ix_runbook_executions_status", "runbook_executions", ["status"])
    op.create_table(
        "runbook_step_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "execution_id", sa.Integer(), sa.ForeignKey("runbook_executions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("step_id", sa.String(64), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("overdue_at", sa.DateTime(), nullable=True),
        sa.Column("by", sa.String(128), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_by", sa.String(128), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("choice", sa.String(64), nullable=True),
        sa.Column("action_state", sa.String(16), nullable=True),
        sa.Column("action_output", sa.Text(), nullable=False),
        sa.UniqueConstraint("execution_id", "phase", "step_id", name="uq_runbook_step_runs_step"),
    )
    op.create_index("ix_runbook_step_runs_execution_id", "runbook_step_runs", ["execution_id"])
    op.create_index("ix_runbook_step_runs_due_at", "runbook_step_runs", ["due_at"])


def downgrade() -> None:
    """Drop the runbook tables and the drill columns."""
    op.drop_table("runbook_step_runs")
    op.drop_table("runbook_executions")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("drill_participants")
        batch.drop_column("drill")
