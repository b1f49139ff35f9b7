"""I/O: users, web sessions, API tokens and the install's secrets in the database.

Store functions take `session` keyword-only and never commit; the caller's transaction decides.
Bad input raises `AccessError` (a ValueError) with a message a person can act on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from access.models import ApiToken, InstallSecret, User, WebSession
from access.passwords import (
    check_password_rules,
    hash_password,
    new_install_secret,
    new_session_id,
    new_token_secret,
    secret_digest,
    verify_password,
)
from access.policy import SessionTimes, needs_touch, session_alive
from access.principal import VIA_SESSION, VIA_TOKEN, Principal, check_language
from access.roles import Role, parse_role

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MAX_TOKEN_NAME = 100


class AccessError(ValueError):
    """Input that can never be valid (bad name, weak password, unknown role)."""


class Conflict(AccessError):
    """Valid input that clashes with what exists (taken username, the last admin)."""


class NotFound(LookupError):
    """No such user or token."""


def _check_username(username: str) -> str:
    if not USERNAME.match(username):
        raise AccessError(f"username {username!r}: 1-64 letters, digits or . _ @ -, starting with a letter or digit")
    return username


def _role(text: str) -> Role:
    try:
        return parse_role(text)
    except ValueError as exc:
        raise AccessError(str(exc)) from None


def _language(language: str | None) -> str | None:
    try:
        return check_language(language or None)
    except ValueError as exc:
        raise AccessError(str(exc)) from None


def _password_hash(password: str) -> str:
    try:
        check_password_rules(password)
    except ValueError as exc:
        raise AccessError(str(exc)) from None
    return hash_password(password)


def count_users(*, session: Session) -> int:
    """How many users exist (none: the first start creates the admin)."""
    return session.scalar(select(func.count()).select_from(User)) or 0


def add_user(
    *, session: Session, username: str, role: str, password: str, now: datetime,
    display_name: str = "", language: str | None = None,
) -> User:
    """Create a user with a hashed password.

    Raises:
        AccessError: bad username, role, language or password. Conflict: the username is taken.
    """
    user = User(
        username=_check_username(username), display_name=display_name.strip() or username, role=_role(role).value,
        language=_language(language), disabled=False, created_at=now,
    )
    if get_user(session=session, username=username) is not None:
        raise Conflict(f"user {username!r} already exists")
    user.password_hash = _password_hash(password)
    session.add(user)
    session.flush()
    return user


def get_user(*, session: Session, username: str) -> User | None:
    """The user named `username`, or None."""
    return session.scalar(select(User).where(User.username == username))


def list_users(*, session: Session) -> list[User]:
    """Every user, by name."""
    return list(session.scalars(select(User).order_by(User.username)))


@dataclass(frozen=True)
class UserChange:
    """What to change on a user; None leaves a field as it is (`clear_language` sets it back to the browser's)."""

    role: str | None = None
    disabled: bool | None = None
    display_name: str | None = None
    language: str | None = None
    clear_language: bool = False
    password: str | None = None


def update_user(*, session: Session, username: str, change: UserChange) -> User:
    """Apply `change`; disabling a user or changing their password ends their sessions.

    Raises:
        NotFound: no such user. AccessError: a bad value. Conflict: it would leave no active admin.
    """
    user = session.scalar(select(User).where(User.username == username).with_for_update())
    if user is None:
        raise NotFound(f"no user {username!r}")
    role = _role(change.role) if change.role is not None else Role(user.role)
    disabled = change.disabled if change.disabled is not None else user.disabled
    loses_admin = user.role == Role.ADMIN and not user.disabled and (role != Role.ADMIN or disabled)
    if loses_admin and _active_admins(session) <= 1:
        raise Conflict(f"{username!r} is the last active admin: make another admin first")
    if change.password is not None:
        user.password_hash = _password_hash(change.password)
    if change.display_name is not None:
        user.display_name = change.display_name.strip() or username
    if change.language is not None or change.clear_language:
        user.language = None if change.clear_language else _language(change.language)
    user.role, user.disabled = role.value, disabled
    if disabled or change.password is not None:
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()
    return user


def _active_admins(session: Session) -> int:
    query = select(func.count()).select_from(User).where(User.role == Role.ADMIN.value, User.disabled.is_(False))
    return session.scalar(query) or 0


def check_login(*, session: Session, username: str, password: str) -> User | None:
    """The enabled user whose password this is, or None (the same answer for unknown, wrong and disabled)."""
    user = get_user(session=session, username=username)
    if user is None:
        # Hash anyway so a wrong name takes as long as a wrong password (no user enumeration by timing).
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, user.password_hash) or user.disabled:
        return None
    return user


_DUMMY_HASH = hash_password("timing-equaliser", salt=b"\0" * 16)


def _principal(user: User, via: str) -> Principal:
    return Principal(
        username=user.username, role=Role(user.role), display_name=user.display_name, language=user.language, via=via
    )


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
    return _principal(user, VIA_SESSION)


def end_session(*, session: Session, session_id: str) -> None:
    """Forget a session (logout); an unknown id is already gone."""
    session.execute(delete(WebSession).where(WebSession.id_hash == secret_digest(session_id)))


def purge_sessions(*, session: Session, now: datetime) -> int:
    """Delete sessions past their absolute end; return how many."""
    return session.execute(delete(WebSession).where(WebSession.expires_at <= now)).rowcount or 0


def create_token(*, session: Session, name: str, role: str, created_by: str, now: datetime) -> tuple[ApiToken, str]:
    """Create an API token; return it with its secret, which is never shown again.

    Raises:
        AccessError: empty or long name, unknown role.
    """
    name = name.strip()
    if not name or len(name) > MAX_TOKEN_NAME:
        raise AccessError(f"token name must be 1-{MAX_TOKEN_NAME} characters")
    secret = new_token_secret()
    token = ApiToken(
        name=name, role=_role(role).value, secret_hash=secret_digest(secret), created_by=created_by, created_at=now,
    )
    session.add(token)
    session.flush()
    return token, secret


def token_principal(*, session: Session, secret: str, now: datetime) -> Principal | None:
    """The principal of an unrevoked token (recording its use), or None."""
    token = session.scalar(select(ApiToken).where(ApiToken.secret_hash == secret_digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    if needs_touch(token.last_used_at, now):
        token.last_used_at = now
    return Principal(username=f"token:{token.name}", role=Role(token.role), display_name=token.name, language=None,
                     via=VIA_TOKEN)


def list_tokens(*, session: Session) -> list[ApiToken]:
    """Every token, newest first (revoked ones too, for the record)."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def revoke_token(*, session: Session, token_id: int, now: datetime) -> ApiToken:
    """Revoke a token from now on; revoking twice keeps the first time.

    Raises:
        NotFound: no such token.
    """
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no API token {token_id}")
    token.revoked_at = token.revoked_at or now
    session.flush()
    return token


def install_secret(*, session: Session, name: str, now: datetime) -> str:
    """The install's secret called `name`, made on first use; two workers starting at once agree on one."""
    existing = session.get(InstallSecret, name)
    if existing is not None:
        return existing.value
    try:
        with session.begin_nested():
            session.add(InstallSecret(name=name, value=new_install_secret(), created_at=now))
    except IntegrityError:
        pass
    return session.get(InstallSecret, name, populate_existing=True).value
