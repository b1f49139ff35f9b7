"""I/O: alembic migration: incidents merged into another (helper: correlation).

`incidents.merged_into` names the survivor when correlation finds two open incidents to share
one root (docs/correlation.md, "Merging incidents"). A merged incident is closed, so the
one-open-incident-per-group index needs no change.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None

_INDEX = "ix_incidents_merged_into"
_FOREIGN_KEY = "fk_incidents_merged_into"
_OPEN_GROUP_INDEX = "uq_incidents_open_group"
_OPEN = "status NOT IN ('resolved', 'closed')"


def upgrade() -> None:
    """Add `merged_into` (a reference to the surviving incident) and its index."""
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
        batch.create_foreign_key(_FOREIGN_KEY, "incidents", ["merged_into"], ["id"])
    op.create_index(_INDEX, "incidents", ["merged_into"])
    _restore_open_group_index()


def downgrade() -> None:
    """Drop `merged_into`; merged incidents stay closed (their alerts stay with the survivor)."""
    op.drop_index(_INDEX, "incidents")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_constraint(_FOREIGN_KEY, type_="foreignkey")
        batch.drop_column("merged_into")
    _restore_open_group_index()


def _restore_open_group_index() -> None:
    """Recreate the partial open-group index if SQLite's batch table rebuild dropped it (see 0006)."""
    indexes = {index["name"] for index in sa.inspect(op.get_bind()).get_indexes("incidents")}
    if _OPEN_GROUP_INDEX not in indexes:
        op.create_index(
            _OPEN_GROUP_INDEX, "incidents", ["group_key"], unique=True,
            sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN),
        )
