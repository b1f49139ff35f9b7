"""I/O: `alertdesk users add|list|passwd|disable` and `alertdesk tokens create|list|revoke`, straight on the database.

Like `db upgrade`, these work with no worker running (for the first admin's lost password too).
Each change is written to the audit log as coming from the CLI, by the operating-system user.
"""
from __future__ import annotations

import getpass
from pathlib import Path
from typing import Callable, Optional, TypeVar

import typer

from alertdesk.cli.common import ConfigOption, open_session

users_app = typer.Typer(help="People who sign in to the service desk, and their roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for machines and scripts (the secret is shown once).", no_args_is_help=True)
_T = TypeVar("_T")
RoleOption = typer.Option("viewer", "--role", help="viewer, operator or admin.")
PasswordOption = typer.Option(
    None, "--password", help="The password (prompted for when left out; use --generate for a random one)."
)


def _change(config: Optional[Path], what: Callable[..., _T], method: str, path: str, detail: str) -> _T:
    """Run `what(session, now)` in one transaction with its audit row; a refusal prints its reason and exits 1."""
    from access.audit import AuditRecord, record
    from access.policy import audit_target
    from access.store import AccessError, NotFound
    from streams.clock import SystemClock

    now = SystemClock().now()
    with open_session(config) as session, session.begin():
        try:
            result = what(session, now)
        except (AccessError, NotFound) as exc:
            typer.echo(f"refused: {exc}", err=True)
            raise typer.Exit(1) from exc
        record(session=session, entry=AuditRecord(
            at=now, actor=getpass.getuser(), role=None, via="cli", method=method, path=path,
            target=audit_target(path), status=200, detail=detail,
        ))
    return result


def _password(password: Optional[str], generate: bool) -> str:
    """The password given, a generated one (printed once), or one typed twice at a hidden prompt."""
    from access.passwords import new_password

    if generate:
        password = new_password()
        typer.echo(f"password: {password}   (shown once)")
        return password
    return password or typer.prompt("password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(
    username: str,
    role: str = RoleOption,
    display_name: str = typer.Option("", "--display-name", help="The name people see (default: the username)."),
    language: Optional[str] = typer.Option(None, "--language", help="zh-CN or en (default: the browser's)."),
    password: Optional[str] = PasswordOption,
    generate: bool = typer.Option(False, "--generate", help="Generate a random password and print it once."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Create a user."""
    from access.store import add_user

    secret = _password(password, generate)
    _change(config, lambda session, now: add_user(
        session=session, username=username, role=role, password=secret, now=now, display_name=display_name,
        language=language,
    ), "POST", "/api/users", f"user {username} added as {role}")
    typer.echo(f"user {username} added ({role})")


@users_app.command("list")
def users_list(config: Optional[Path] = ConfigOption) -> None:
    """List users."""
    from access.store import list_users

    with open_session(config) as session:
        users = list_users(session=session)
    typer.echo(f"{'USERNAME':<20} {'ROLE':<9} {'STATE':<9} {'LANGUAGE':<9} NAME")
    for user in users:
        state = "disabled" if user.disabled else "active"
        typer.echo(f"{user.username:<20} {user.role:<9} {state:<9} {user.language or '-':<9} {user.display_name}")
    typer.echo(f"{len(users)} user(s)")


@users_app.command("passwd")
def users_passwd(
    username: str,
    password: Optional[str] = PasswordOption,
    generate: bool = typer.Option(False, "--generate", help="Generate a random password and print it once."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Set a user's password (their sessions end)."""
    from access.store import UserChange, update_user

    secret = _password(password, generate)
    _change(config, lambda session, now: update_user(
        session=session, username=username, change=UserChange(password=secret),
    ), "PATCH", f"/api/users/{username}", "password changed")
    typer.echo(f"password of {username} changed")


@users_app.command("role")
def users_role(username: str, role: str = typer.Argument(..., help="viewer, operator or admin."),
               config: Optional[Path] = ConfigOption) -> None:
    """Change a user's role."""
    from access.store import UserChange, update_user

    _change(config, lambda session, now: update_user(session=session, username=username, change=UserChange(role=role)),
            "PATCH", f"/api/users/{username}", f"role set to {role}")
    typer.echo(f"{username} is now {role}")


@users_app.command("disable")
def users_disable(username: str, config: Optional[Path] = ConfigOption) -> None:
    """Disable a user: they cannot sign in and their sessions end."""
    from access.store import UserChange, update_user

    _change(config, lambda session, now: update_user(
        session=session, username=username, change=UserChange(disabled=True),
    ), "PATCH", f"/api/users/{username}", "disabled")
    typer.echo(f"user {username} disabled")


@tokens_app.command("create")
def tokens_create(name: str, role: str = RoleOption, config: Optional[Path] = ConfigOption) -> None:
    """Create an API token and print its secret (only this once)."""
    from access.token_store import create_token

    token, secret = _change(config, lambda session, now: create_token(
        session=session, name=name, role=role, created_by=getpass.getuser(), now=now,
    ), "POST", "/api/tokens", f"token {name!r} created as {role}")
    typer.echo(f"token {token.id} {name!r} ({role}); send it as 'Authorization: Bearer <secret>'. Secret (shown once):")
    typer.echo(secret)


@tokens_app.command("list")
def tokens_list(config: Optional[Path] = ConfigOption) -> None:
    """List API tokens (never their secrets)."""
    from access.token_store import list_tokens
    from streams.clock import format_instant

    with open_session(config) as session:
        tokens = list_tokens(session=session)
    typer.echo(f"{'ID':>4}  {'ROLE':<9} {'STATE':<8} {'LAST USED':<24} NAME")
    for token in tokens:
        state = "revoked" if token.revoked_at else "active"
        used = format_instant(token.last_used_at) if token.last_used_at else "-"
        typer.echo(f"{token.id:>4}  {token.role:<9} {state:<8} {used:<24} {token.name}")
    typer.echo(f"{len(tokens)} token(s)")


@tokens_app.command("revoke")
def tokens_revoke(token_id: int, config: Optional[Path] = ConfigOption) -> None:
    """Revoke an API token: requests with it are refused (401) from now on."""
    from access.token_store import revoke_token

    _change(config, lambda session, now: revoke_token(session=session, token_id=token_id, now=now),
            "DELETE", f"/api/tokens/{token_id}", "revoked")
    typer.echo(f"token {token_id} revoked")
