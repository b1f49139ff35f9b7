"""I/O: the `handovers` table — one row per shift handover, with the snapshot taken when it was written.

`request_key` (the writer's idempotency key) is unique, so a retried POST writes one handover;
(`shift_label`, `shift_start`) is unique, so a shift is handed over once. The snapshot is JSON
frozen at writing time: later changes to incidents or silences do not rewrite what was handed over.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from incidents.db import Base, UTCDateTime


class Handover(Base):
    """One shift's handover: who hands over to whom, notes, the snapshot, and its acknowledgement."""

    __tablename__ = "handovers"
    __table_args__ = (
        UniqueConstraint("request_key", name="uq_handovers_request_key"),
        UniqueConstraint("shift_label", "shift_start", name="uq_handovers_shift"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_key: Mapped[str] = mapped_column(String(255), nullable=False)
    shift_label: Mapped[str] = mapped_column(String(64), nullable=False)
    shift_start: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    shift_end: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    outgoing: Mapped[str] = mapped_column(String(128), nullable=False)
    incoming: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    written_by: Mapped[str] = mapped_column(String(128), nullable=False)
    written_via: Mapped[str] = mapped_column(String(16), nullable=False, default="api")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    snapshot: Mapped[dict] = mapped_column(JSON, nullable=False)
