"""The first admin and the CLI token (printed once, mode 0600), the users/tokens commands; SQLite and PostgreSQL."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from access import store, token_store
from access.bootstrap import FIRST_ADMIN, bootstrap_access, cli_token_path, read_cli_token
from access.models import AuditEntry
from access.roles import Role
from alertdesk.cli import app
from alertdesk.runner import access_banner
from alertdesk.settings import Settings
from streams.clock import FakeClock


def test_first_start_creates_the_admin_and_the_cli_token_once(migrated_db, tmp_path: Path) -> None:
    _, sessions = migrated_db
    clock = FakeClock()
    first = bootstrap_access(sessions, now=clock.now(), data_dir=tmp_path)
    assert first.admin_password and first.cli_token_written == cli_token_path(tmp_path)
    assert stat.S_IMODE(cli_token_path(tmp_path).stat().st_mode) == 0o600
    with sessions.begin() as session:
        admin = store.check_login(session=session, username=FIRST_ADMIN, password=first.admin_password)
        assert admin is not None and admin.role == Role.ADMIN
        assert first.admin_password not in admin.password_hash
        principal = token_store.token_principal(session=session, secret=read_cli_token(tmp_path), now=clock.now())
        assert principal.role == Role.ADMIN
    banner = access_banner(Settings(data_dir=tmp_path), first)
    assert f"admin password: {first.admin_password}" in banner

    second = bootstrap_access(sessions, now=clock.now(), data_dir=tmp_path)
    assert second.admin_password is None and second.cli_token_written is None
    assert "admin password" not in access_banner(Settings(data_dir=tmp_path), second)
    with sessions() as session:
        assert [row.detail for row in session.scalars(select(AuditEntry))] == [
            "first admin created", "local CLI token created",
        ]


def test_a_revoked_or_missing_cli_token_is_replaced_without_a_new_admin(migrated_db, tmp_path: Path) -> None:
    _, sessions = migrated_db
    clock = FakeClock()
    bootstrap_access(sessions, now=clock.now(), data_dir=tmp_path)
    old = read_cli_token(tmp_path)
    with sessions.begin() as session:
        [token] = token_store.list_tokens(session=session)
        token_store.revoke_token(session=session, token_id=token.id, now=clock.now())
    again = bootstrap_access(sessions, now=clock.now(), data_dir=tmp_path)
    assert again.admin_password is None and read_cli_token(tmp_path) != old
    cli_token_path(tmp_path).unlink()
    assert bootstrap_access(sessions, now=clock.now(), data_dir=tmp_path).cli_token_written is not None
    with sessions() as session:
        assert store.count_users(session=session) == 1


@pytest.fixture
def cli(migrated_db, db_url: str, monkeypatch):
    """Run `alertdesk …` against the migrated database."""
    monkeypatch.setenv("ALERTDESK_DATABASE_URL", db_url)
    runner = CliRunner()
    return lambda *args, **kwargs: runner.invoke(app, list(args), **kwargs)


def test_users_and_tokens_commands(cli, migrated_db) -> None:
    _, sessions = migrated_db
    added = cli("users", "add", "li.wei", "--role", "operator", "--display-name", "李伟", "--password", "night-shift-1")
    assert added.exit_code == 0, added.output
    assert cli("users", "add", "li.wei", "--password", "night-shift-1").exit_code == 1
    weak = cli("users", "add", "x", "--password", "short")
    assert weak.exit_code == 1 and "too short" in weak.output
    generated = cli("users", "add", "zhang", "--generate")
    password = generated.output.split("password: ")[1].split()[0]
    assert cli("users", "passwd", "zhang", input="new-password-1\nnew-password-1\n").exit_code == 0
    assert cli("users", "role", "zhang", "admin").exit_code == 0
    assert cli("users", "disable", "li.wei").exit_code == 0
    listing = cli("users", "list").output
    assert "li.wei" in listing and "disabled" in listing and "2 user(s)" in listing
    with sessions() as session:
        assert store.check_login(session=session, username="zhang", password=password) is None
        assert store.check_login(session=session, username="zhang", password="new-password-1").role == "admin"

    created = cli("tokens", "create", "grafana", "--role", "viewer")
    assert created.exit_code == 0
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("adt_")
    assert "grafana" in cli("tokens", "list").output and secret not in cli("tokens", "list").output
    assert cli("tokens", "revoke", "1").exit_code == 0
    assert "revoked" in cli("tokens", "list").output
    assert cli("tokens", "revoke", "99").exit_code == 1
    with sessions() as session:
        rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert {row.via for row in rows} == {"cli"}
    assert [row.target for row in rows][-1] == "tokens/1"


def test_cli_sends_the_configured_token_else_the_local_file(tmp_path: Path) -> None:
    from alertdesk.cli.common import api_auth_headers

    assert api_auth_headers(Settings(data_dir=tmp_path)) == {}
    cli_token_path(tmp_path).write_text("adt_from_file\n", "utf-8")
    assert api_auth_headers(Settings(data_dir=tmp_path)) == {"Authorization": "Bearer adt_from_file"}
    configured = Settings(data_dir=tmp_path, api_token="adt_from_env")
    assert api_auth_headers(configured) == {"Authorization": "Bearer adt_from_env"}
    assert "adt_from_env" not in repr(configured)
