"""I/O: web sessions in the database — open one at sign-in, recognise its cookie, end it, purge the expired.

Only the SHA-256 of a session id is stored, so a copy of the database signs nobody in. Functions
take `session` keyword-only and never commit; the caller's transaction decides.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from access.models import User, WebSession
from access.passwords import new_session_id, secret_digest
from access.policy import SessionTimes, needs_touch, session_alive
from access.principal import VIA_SESSION, Principal
from access.roles import Role

#: At most this many expired sessions are deleted per purge, so a purge stays one short statement.
PURGE_BATCH = 100


def start_session(*, session: Session, user: User, now: datetime, max_age_s: float, idle_timeout_s: float) -> str:
    """Open a web session for `user` and return the id its cookie carries (only its hash is stored)."""
    session_id = new_session_id()
    session.add(WebSession(
        id_hash=secret_digest(session_id), user_id=user.id, created_at=now,
        expires_at=now + timedelta(seconds=max_age_s), last_seen_at=now, idle_timeout_s=idle_timeout_s,
    ))
    session.flush()
    return session_id


def session_principal(*, session: Session, session_id: str, now: datetime) -> Principal | None:
    """The principal of a live session (recording its use), or None when unknown, expired, idle or disabled."""
    row = session.execute(
        select(WebSession, User).join(User, User.id == WebSession.user_id)
        .where(WebSession.id_hash == secret_digest(session_id))
    ).one_or_none()
    if row is None:
        return None
    web_session, user = row
    times = SessionTimes(web_session.created_at, web_session.expires_at, web_session.last_seen_at,
                         web_session.idle_timeout_s)
    if user.disabled or not session_alive(times, now):
        return None
    if needs_touch(web_session.last_seen_at, now):
        web_session.last_seen_at = now
    return Principal(
        username=user.username, role=Role(user.role), display_name=user.display_name, language=user.language,
        via=VIA_SESSION,
    )


def end_session(*, session: Session, session_id: str) -> None:
    """Forget a session (logout); an unknown id is already gone."""
    session.execute(delete(WebSession).where(WebSession.id_hash == secret_digest(session_id)))


def purge_sessions(*, session: Session, now: datetime, limit: int = PURGE_BATCH) -> int:
    """Delete up to `limit` sessions past their absolute end; return how many.

    Rows another worker is purging at the same moment are skipped (`SKIP LOCKED` on PostgreSQL),
    so two sign-ins at once never wait on each other here.
    """
    expired = session.scalars(
        select(WebSession.id_hash).where(WebSession.expires_at <= now).order_by(WebSession.expires_at)
        .limit(limit).with_for_update(skip_locked=True)
    ).all()
    if not expired:
        return 0
    return session.execute(delete(WebSession).where(WebSession.id_hash.in_(expired))).rowcount or 0
