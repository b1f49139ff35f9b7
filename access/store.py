"""I/O: users in the database — add, change, list, and check a password at sign-in.

Web sessions are `access/session_store.py`, API tokens and the install's secrets
`access/token_store.py`; the input checks and errors here are theirs too.

Store functions take `session` keyword-only and never commit; the caller's transaction decides.
Bad input raises `AccessError` (a ValueError) with a message a person can act on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from access.models import User, WebSession
from access.passwords import check_password_rules, hash_password, verify_password
from access.principal import check_language
from access.roles import Role, parse_role

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


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


def checked_role(text: str) -> Role:
    """The role named `text`.

    Raises:
        AccessError: no role has this name.
    """
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
        username=_check_username(username), display_name=display_name.strip() or username, role=checked_role(role).value,
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
    role = checked_role(change.role) if change.role is not None else Role(user.role)
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
