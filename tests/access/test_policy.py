"""Roles and the HTTP app's access floor (pure)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from access.policy import (
    SessionTimes,
    audit_target,
    audit_via,
    audited,
    login_redirect,
    pick_language,
    required_role,
    safe_next,
    session_alive,
)
from access.roles import Role, parse_role

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def test_roles_are_ordered() -> None:
    assert Role.ADMIN.allows(Role.OPERATOR) and Role.OPERATOR.allows(Role.VIEWER) and Role.VIEWER.allows(Role.VIEWER)
    assert not Role.VIEWER.allows(Role.OPERATOR) and not Role.OPERATOR.allows(Role.ADMIN)
    assert parse_role(" Operator ") is Role.OPERATOR
    with pytest.raises(ValueError, match="use one of viewer, operator, admin"):
        parse_role("root")


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("GET", "/healthz", None),
        ("GET", "/metrics", None),
        ("POST", "/api/v2/alerts", None),
        ("POST", "/ingest/zabbix", None),
        ("POST", "/heartbeat/prom-dc1", None),
        ("POST", "/twilio/sms", None),
        ("GET", "/login", None),
        ("GET", "/static/htmx.min.js", None),
        ("GET", "/api/incidents", Role.VIEWER),
        ("GET", "/", Role.VIEWER),
        ("GET", "/api/heartbeats", Role.VIEWER),
        ("POST", "/api/incidents/3/ack", Role.OPERATOR),
        ("POST", "/api/silences", Role.OPERATOR),
        ("DELETE", "/api/maintenance/w1", Role.OPERATOR),
        ("POST", "/api/safety-exceptions", Role.OPERATOR),
        ("POST", "/api/safety-exceptions/e1/approve", Role.ADMIN),
        ("GET", "/api/topology", Role.VIEWER),
        ("POST", "/api/topology/load", Role.ADMIN),
        ("GET", "/api/users", Role.ADMIN),
        ("GET", "/api/audit", Role.ADMIN),
        ("DELETE", "/api/tokens/4", Role.ADMIN),
        ("POST", "/logout", Role.VIEWER),
        ("GET", "/api/usersettings", Role.VIEWER),
    ],
)
def test_required_role(method: str, path: str, role: Role | None) -> None:
    assert required_role(method, path) == role


def test_audited_requests() -> None:
    assert audited("POST", "/api/incidents/1/ack") and audited("POST", "/login") and audited("DELETE", "/api/tokens/1")
    assert not audited("GET", "/api/incidents") and not audited("POST", "/api/v2/alerts")


def test_audit_target_and_via() -> None:
    assert audit_target("/api/incidents/12/ack") == "incidents/12"
    assert audit_target("/incidents/12/note") == "incidents/12"
    assert audit_target("/logout") == "logout"
    assert audit_via("session", "", True) == "ui"
    assert audit_via("token", "cli", False) == "cli"
    assert audit_via("token", "", True) == "api"
    assert audit_via(None, "", True) == "ui"
    assert audit_via(None, "", False) == "api"


def test_redirects_stay_on_site() -> None:
    assert login_redirect("/incidents/4", "tab=timeline") == "/login?next=/incidents/4%3Ftab%3Dtimeline"
    assert safe_next("/incidents/4") == "/incidents/4"
    for bad in (None, "", "https://evil.example", "//evil.example", "/\\evil.example", "incidents"):
        assert safe_next(bad) == "/"


@pytest.mark.parametrize(
    ("header", "language"),
    [("", "zh-CN"), ("en-US,en;q=0.9", "en"), ("zh-TW,zh;q=0.9,en;q=0.8", "zh-CN"),
     ("fr;q=1.0, en;q=0.5, zh;q=0.7", "zh-CN"), ("de", "zh-CN"), ("en;q=bad, zh", "zh-CN")],
)
def test_pick_language(header: str, language: str) -> None:
    assert pick_language(header) == language


def test_session_alive() -> None:
    times = SessionTimes(created_at=NOW, expires_at=NOW + timedelta(hours=12), last_seen_at=NOW, idle_timeout_s=3600)
    assert session_alive(times, NOW + timedelta(minutes=59))
    assert not session_alive(times, NOW + timedelta(minutes=60))
    late = SessionTimes(NOW, NOW + timedelta(hours=12), NOW + timedelta(hours=11, minutes=59), 3600)
    assert not session_alive(late, NOW + timedelta(hours=12))
