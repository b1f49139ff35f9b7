"""I/O: SQLAlchemy models of runbook executions and their steps (migration 0011).

`runbook_executions.start_key` is unique, which makes starting idempotent: the trigger starts a
runbook on an incident under `auto/<incident>/<runbook>`, so OPENED and MAJOR_DECLARED both
matching, or an event replayed, still start it once; a person's start uses its request id.
`runbook_step_runs.due_at` is the durable timer of an overdue step (claimed with `FOR UPDATE
SKIP LOCKED`, marked with `overdue_at` so each step is announced overdue once).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incidents.db import Base, UTCDateTime


class RunbookExecution(Base):
    """One run of one runbook on one incident (or on a drill's synthetic incident)."""

    __tablename__ = "runbook_executions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True)
    runbook_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    runbook_version: Mapped[int] = mapped_column(Integer, nullable=False)
    # Titles are copied from the file ({"zh-CN": …, "en": …}) so lists and reports read well without it.
    runbook_title: Mapped[dict] = mapped_column(JSON, nullable=False)
    start_key: Mapped[str] = mapped_column(String(128), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    started_by: Mapped[str] = mapped_column(String(128), nullable=False)
    drill: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    steps: Mapped[list["RunbookStepRun"]] = relationship(
        back_populates="execution", order_by="RunbookStepRun.position", cascade="all, delete-orphan"
    )


class RunbookStepRun(Base):
    """One step of one execution: its status, who signed it off and when, and its overdue timer."""

    __tablename__ = "runbook_step_runs"
    __table_args__ = (UniqueConstraint("execution_id", "phase", "step_id", name="uq_runbook_step_runs_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    execution_id: Mapped[int] = mapped_column(
        ForeignKey("runbook_executions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    phase: Mapped[str] = mapped_column(String(16), nullable=False)
    step_id: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[dict] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    choice: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    action_output: Mapped[str] = mapped_column(Text, nullable=False, default="")

    execution: Mapped[RunbookExecution] = relationship(back_populates="steps")
