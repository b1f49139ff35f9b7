"""I/O: the SQLAlchemy model of the workers' liveness, one row per running worker process.

Each worker writes its row every few seconds (`alertdesk.member_reaper`): which consumer group
it is in, its member id there, and when it was last seen. A row not seen for a while is a worker
that died without leaving its group; the others then ask the broker to drop its member.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from incidents.db import Base, UTCDateTime


class WorkerMember(Base):
    """A worker process: its consumer group and member id, where it runs, and when it last said it is alive."""

    __tablename__ = "worker_members"

    worker_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(255), nullable=False)
    member_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    host: Mapped[str] = mapped_column(String(255), nullable=False)
    pid: Mapped[int] = mapped_column(Integer, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
