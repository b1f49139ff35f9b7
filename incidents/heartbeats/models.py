"""I/O: the SQLAlchemy model of heartbeat state, the system of record for the dead-man's switch.

One row per configured heartbeat, keyed by its name. The monitor's durable timer reads these
rows (never an in-memory deadline), so a restarted or added worker carries on where the others
left off.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from incidents.db import Base, UTCDateTime


class Heartbeat(Base):
    """A configured heartbeat: its interval and labels, its last ping, and whether its alert is firing."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    interval_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    labels: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_ping_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    missed_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
