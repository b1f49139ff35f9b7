"""I/O: the pager's tables — the outbox (every page, notice and page not sent) and escalations (durable timers).

An outbox row exists before its message is sent; its unique `page_key` (incident, cycle,
purpose, step, person, contact, attempt) is what makes a replayed event or a re-run step add no
second row. Both tables are durable timers: a row with a due time, claimed by whichever worker
gets it first (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so a worker that dies loses nothing.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from incidents.db import Base, UTCDateTime


class OutboxMessage(Base):
    """One message to one person's contact method: due, being sent, sent, failed, not sent or cancelled."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("page_key", name="uq_outbox_page_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    page_key: Mapped[str] = mapped_column(String(256), nullable=False)
    # None for a notice about no incident (a shift handoff).
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), nullable=True, index=True
    )
    event_id: Mapped[str] = mapped_column(String(64), nullable=False)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False, default="page")
    cycle: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    escalation_level: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    recipient: Mapped[str] = mapped_column(String(128), nullable=False)  # the person's id
    contact: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    channel: Mapped[str] = mapped_column(String(32), nullable=False)
    address: Mapped[str] = mapped_column(String(256), nullable=False, default="")
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="zh-CN")
    priority: Mapped[str] = mapped_column(String(4), nullable=False, default="P5")
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending", index=True)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)  # why not sent / why paged
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    tries: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    provider_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    provider_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Escalation(Base):
    """An incident's walk through its escalation policy, with the policy as it was when the incident opened."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("incident_id", name="uq_escalations_incident"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False)
    cycle: Mapped[int] = mapped_column(Integer, nullable=False, default=1)  # +1 on every reopen
    policy_id: Mapped[str] = mapped_column(String(128), nullable=False)
    policy: Mapped[dict] = mapped_column(JSON, nullable=False)  # EscalationPolicy.to_dict() snapshot
    priority: Mapped[str] = mapped_column(String(4), nullable=False, default="P5")
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    step: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reason: Mapped[str] = mapped_column(String(32), nullable=False, default="first")
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
