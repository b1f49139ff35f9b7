"""I/O: API tokens and the install's secrets in the database.

A token's secret is shown once when it is created; only its SHA-256 is stored. Functions take
`session` keyword-only and never commit; the caller's transaction decides. Bad input raises
`access.store.AccessError` with a message a person can act on.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from access.models import ApiToken, InstallSecret
from access.passwords import new_install_secret, new_token_secret, secret_digest
from access.policy import needs_touch
from access.principal import VIA_TOKEN, Principal
from access.roles import Role
from access.store import AccessError, NotFound, checked_role

MAX_TOKEN_NAME = 100


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
        name=name, role=checked_role(role).value, secret_hash=secret_digest(secret), created_by=created_by, created_at=now,
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
