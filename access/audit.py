"""I/O: the audit log — write one row per change request or account event, and read it back with filters.

Rows are only ever added. `via` says how the request came: ui (a browser session), api (a token),
cli (the alertdesk command, on the database or with its token) or system (alertdesk itself).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from access.models import AuditEntry
from streams.clock import format_instant

VIAS = ("ui", "api", "cli", "system")
MAX_DETAIL = 2000
MAX_PAGE = 500


@dataclass(frozen=True)
class AuditRecord:
    """One line of the audit log; `role` is None when nobody could be identified."""

    at: datetime
    actor: str
    role: str | None
    via: str
    method: str
    path: str
    target: str
    status: int
    detail: str


def record(*, session: Session, entry: AuditRecord) -> None:
    """Add `entry` to the log (long paths and details are cut, never refused: the record matters more)."""
    if entry.via not in VIAS:
        raise ValueError(f"audit via must be one of {', '.join(VIAS)}, not {entry.via!r}")
    values = asdict(entry)
    values.update(actor=entry.actor[:100], path=entry.path[:500], target=entry.target[:200],
                  detail=entry.detail[:MAX_DETAIL], method=entry.method[:8])
    session.add(AuditEntry(**values))


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the audit log: exact actor, path prefix, a time range [since, until), and a page."""

    actor: str | None = None
    path_prefix: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0


def search(*, session: Session, query: AuditQuery) -> tuple[list[dict], int]:
    """The matching rows, newest first, as JSON-ready dicts, and how many match in all."""
    where = []
    if query.actor:
        where.append(AuditEntry.actor == query.actor)
    if query.path_prefix:
        where.append(AuditEntry.path.startswith(query.path_prefix, autoescape=True))
    if query.since is not None:
        where.append(AuditEntry.at >= query.since)
    if query.until is not None:
        where.append(AuditEntry.at < query.until)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*where)) or 0
    rows = session.scalars(
        select(AuditEntry).where(*where).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(min(query.limit, MAX_PAGE)).offset(query.offset)
    )
    return [_to_json(row) for row in rows], total


def _to_json(row: AuditEntry) -> dict:
    return {
        "id": row.id, "at": format_instant(row.at), "actor": row.actor, "role": row.role, "via": row.via,
        "method": row.method, "path": row.path, "target": row.target, "status": row.status, "detail": row.detail,
    }
