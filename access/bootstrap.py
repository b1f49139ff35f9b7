"""I/O: the first start — create the first admin when there are no users, and keep a local CLI token on disk.

The admin's password is returned to the caller once (printed in `alertdesk up`'s banner) and
only its hash is stored. The CLI token is an admin API token written to `<data_dir>/cli-token`
(mode 0600), for the `alertdesk` commands that call the worker's API; a missing or revoked one
is replaced on the next start.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from access import store, token_store
from access.audit import AuditRecord, record
from access.passwords import new_password
from access.roles import Role

FIRST_ADMIN = "admin"
CLI_TOKEN_FILE = "cli-token"
CLI_TOKEN_NAME = "cli (local)"


@dataclass(frozen=True)
class Bootstrap:
    """What the start created: the first admin's password (None when users existed) and a new CLI token file."""

    admin_password: str | None
    cli_token_written: Path | None


def cli_token_path(data_dir: Path) -> Path:
    """Where the local CLI token lives."""
    return data_dir / CLI_TOKEN_FILE


def read_cli_token(data_dir: Path) -> str | None:
    """The local CLI token, or None when there is none."""
    try:
        return cli_token_path(data_dir).read_text("utf-8").strip() or None
    except FileNotFoundError:
        return None


def bootstrap_access(sessions: sessionmaker, *, now: datetime, data_dir: Path) -> Bootstrap:
    """Create the first admin if there are no users, and a CLI token if the file holds no working one.

    Two workers starting at once on an empty database: one creates the admin, the other sees it.
    """
    try:
        return _bootstrap(sessions, now, data_dir)
    except IntegrityError:
        return _bootstrap(sessions, now, data_dir)


def _bootstrap(sessions: sessionmaker, now: datetime, data_dir: Path) -> Bootstrap:
    with sessions.begin() as session:
        password = None
        if store.count_users(session=session) == 0:
            password = new_password()
            store.add_user(session=session, username=FIRST_ADMIN, role=Role.ADMIN.value, password=password, now=now,
                           display_name="Administrator")
            _system_audit(session, now, "POST", "/api/users", f"users/{FIRST_ADMIN}", "first admin created")
        written = None
        if not _cli_token_works(session, data_dir, now):
            token, secret = token_store.create_token(session=session, name=CLI_TOKEN_NAME, role=Role.ADMIN.value,
                                               created_by="system", now=now)
            _system_audit(session, now, "POST", "/api/tokens", f"tokens/{token.id}", "local CLI token created")
            written = _write_private(cli_token_path(data_dir), secret)
    return Bootstrap(admin_password=password, cli_token_written=written)


def _cli_token_works(session: Session, data_dir: Path, now: datetime) -> bool:
    secret = read_cli_token(data_dir)
    principal = token_store.token_principal(session=session, secret=secret, now=now) if secret else None
    return principal is not None and principal.role == Role.ADMIN


def _system_audit(session: Session, now: datetime, method: str, path: str, target: str, detail: str) -> None:
    record(session=session, entry=AuditRecord(
        at=now, actor="system", role=None, via="system", method=method, path=path, target=target, status=201,
        detail=detail,
    ))


def _write_private(path: Path, text: str) -> Path:
    """Write `text` to `path` readable by its owner only (mode 0600), replacing any previous file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text + "\n")
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return path
