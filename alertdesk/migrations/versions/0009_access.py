"""I/O: alembic migration: users, roles, sessions, API tokens and the audit log (helper: access).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Filled in by the change that owns this revision."""


def downgrade() -> None:
    """Filled in by the change that owns this revision."""
