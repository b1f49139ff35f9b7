"""access/web.py over a real app and database (SQLite and PostgreSQL): sign-in, roles, sessions, CSRF, tokens, audit."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from access.models import AuditEntry
from access.service import AccessConfig
from tests.access.conftest import Desk, make_desk


def audit_rows(desk: Desk) -> list[AuditEntry]:
    with desk.sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_no_credentials_api_gets_401_and_browser_is_sent_to_login(desk: Desk) -> None:
    client = desk.client()
    response = client.get("/api/things")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
    page = client.get("/board?filter=major", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/board%3Ffilter%3Dmajor"
    assert client.get("/healthz").status_code == 200


def test_login_page_follows_the_browser_language(desk: Desk) -> None:
    client = desk.client()
    assert "登录服务台" in client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    english = client.get("/login?next=/board", headers={"Accept-Language": "en-US,en;q=0.8"}).text
    assert "Sign in to the service desk" in english
    assert 'name="next" value="/board"' in english


def test_login_then_logout(desk: Desk) -> None:
    client = desk.client()
    response = client.post("/login", data={"username": "oli", "password": "operator-pass-1", "next": "/board"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/board"
    assert "httponly" in response.headers["set-cookie"].lower()
    me = client.get("/api/me").json()
    assert (me["username"], me["role"], me["via"]) == ("oli", "operator", "session")
    assert client.get("/board").json() == {"hello": "Oli"}
    assert client.post("/logout", headers={"X-CSRF-Token": me["csrf_token"]}, follow_redirects=False).status_code == 303
    assert client.get("/api/me").status_code == 401


def test_wrong_password_is_refused_and_audited(desk: Desk) -> None:
    client = desk.client()
    response = client.post("/login", data={"username": "oli", "password": "guess"}, follow_redirects=False)
    assert response.status_code == 401
    assert 'id="login-error"' in response.text
    assert client.get("/api/me").status_code == 401
    [row] = audit_rows(desk)
    assert (row.actor, row.method, row.path, row.status, row.via) == ("oli", "POST", "/login", 401, "ui")
    assert "refused" in row.detail


def test_login_never_redirects_off_site(desk: Desk) -> None:
    response = desk.client().post(
        "/login", data={"username": "vic", "password": "viewer-pass-1", "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


@pytest.mark.parametrize(
    ("username", "ack", "add_user"), [("vic", 403, 403), ("oli", 200, 403), ("ada", 200, 201)]
)
def test_roles_matrix(desk: Desk, username: str, ack: int, add_user: int) -> None:
    client = desk.login(username)
    headers = desk.csrf(client)
    assert client.get("/api/things").status_code == 200
    assert client.post("/api/incidents/7/ack", headers=headers).status_code == ack
    new_user = {"username": f"new-{username}", "password": "long-enough-1", "role": "viewer"}
    assert client.post("/api/users", json=new_user, headers=headers).status_code == add_user


def test_viewer_refusal_names_the_role(desk: Desk) -> None:
    client = desk.login("vic")
    response = client.post("/api/incidents/7/ack", headers=desk.csrf(client))
    assert response.json()["detail"] == "needs role operator; vic is viewer"


def test_session_expires_when_idle_and_at_its_end(desk: Desk) -> None:
    client = desk.login("oli")
    desk.clock.advance(seconds=desk.service.config.session_idle_timeout_s - 1)
    assert client.get("/api/me").status_code == 200  # use within the idle timeout keeps it alive
    desk.clock.advance(seconds=desk.service.config.session_idle_timeout_s - 1)
    assert client.get("/api/me").status_code == 200
    desk.clock.advance(seconds=desk.service.config.session_idle_timeout_s)
    assert client.get("/api/me").status_code == 401

    busy = desk.login("oli")
    for _ in range(int(desk.service.config.session_max_age_s // 3600)):
        desk.clock.advance(hours=1)
        if busy.get("/api/me").status_code != 200:
            break
    assert busy.get("/api/me").status_code == 401  # never idle, still over after session_max_age_s


def test_cookie_change_without_csrf_token_is_refused(desk: Desk) -> None:
    client = desk.login("oli")
    response = client.post("/api/incidents/7/ack")
    assert response.status_code == 403
    assert "CSRF token missing or wrong" in response.json()["detail"]
    assert client.post("/api/incidents/7/ack", headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post("/api/incidents/7/ack", headers=desk.csrf(client)).status_code == 200


def test_form_field_csrf_token_passes_and_the_form_arrives_intact(desk: Desk) -> None:
    client = desk.login("oli")
    token = desk.csrf(client)["X-CSRF-Token"]
    response = client.post("/incidents/7/note", data={"text": "UPS on battery, 机房 A", "csrf_token": token})
    assert response.json() == {"incident_id": 7, "text": "UPS on battery, 机房 A", "by": "oli"}
    refused = client.post("/incidents/7/note", data={"text": "x", "csrf_token": "nope"})
    assert refused.status_code == 403


def test_csrf_token_belongs_to_the_session(desk: Desk) -> None:
    first, second = desk.login("oli"), desk.login("oli")
    assert second.post("/api/incidents/7/ack", headers=desk.csrf(first)).status_code == 403


def test_api_token_works_without_csrf_and_stops_when_revoked(desk: Desk) -> None:
    admin = desk.login("ada")
    created = admin.post("/api/tokens", json={"name": "zabbix sync", "role": "operator"}, headers=desk.csrf(admin))
    assert created.status_code == 201
    token = created.json()
    assert token["secret"].startswith("adt_") and token["created_by"] == "ada"
    listed = admin.get("/api/tokens").json()["items"]
    assert "secret" not in listed[0] and listed[0]["active"]

    machine = desk.client()
    bearer = {"Authorization": f"Bearer {token['secret']}"}
    assert machine.post("/api/incidents/7/ack", headers=bearer).json()["by"] == "token:zabbix sync"
    assert machine.get("/api/me", headers=bearer).json()["via"] == "token"
    assert admin.delete(f"/api/tokens/{token['id']}", headers=desk.csrf(admin)).json()["active"] is False
    assert machine.post("/api/incidents/7/ack", headers=bearer).status_code == 401
    assert machine.get("/api/things", headers={"Authorization": "Bearer adt_unknown"}).status_code == 401


def test_audit_records_allowed_and_refused_changes_and_filters(desk: Desk) -> None:
    operator, viewer = desk.login("oli"), desk.login("vic")
    operator.post("/api/incidents/7/ack", headers=desk.csrf(operator))
    desk.clock.advance(minutes=5)
    viewer.post("/api/incidents/8/ack", headers=desk.csrf(viewer))
    desk.client().post("/api/incidents/9/ack")
    operator.get("/api/things")  # reads are not audited

    admin = desk.login("ada")
    log = admin.get("/api/audit", params={"path": "/api/incidents"}).json()
    assert log["total"] == 3
    assert [(row["actor"], row["role"], row["target"], row["status"]) for row in log["items"]] == [
        ("anonymous", None, "incidents/9", 401),
        ("vic", "viewer", "incidents/8", 403),
        ("oli", "operator", "incidents/7", 200),
    ]
    assert log["items"][1]["detail"] == "refused: needs role operator; vic is viewer"
    assert admin.get("/api/audit", params={"actor": "oli", "path": "/api/"}).json()["total"] == 1
    since = admin.get("/api/audit", params={"since": "2026-01-01T00:04:00Z", "path": "/api/incidents"}).json()
    assert since["total"] == 2
    page = admin.get("/api/audit", params={"limit": 1, "offset": 1, "path": "/api/incidents"}).json()
    assert [row["target"] for row in page["items"]] == ["incidents/8"]
    assert desk.login("oli").get("/api/audit").status_code == 403


def test_user_admin_change_role_disable_and_last_admin(desk: Desk) -> None:
    admin = desk.login("ada")
    headers = desk.csrf(admin)
    viewer = desk.login("vic")
    assert admin.patch("/api/users/vic", json={"role": "operator"}, headers=headers).json()["role"] == "operator"
    assert viewer.get("/api/me").json()["role"] == "operator"  # takes effect at once
    assert admin.patch("/api/users/vic", json={"disabled": True}, headers=headers).json()["disabled"] is True
    assert viewer.get("/api/me").status_code == 401
    assert desk.client().post("/login", data={"username": "vic", "password": "viewer-pass-1"}).status_code == 401
    last = admin.patch("/api/users/ada", json={"role": "viewer"}, headers=headers)
    assert last.status_code == 409 and "last active admin" in last.json()["detail"]
    taken = admin.post("/api/users", json={"username": "oli", "password": "long-enough-1"}, headers=headers)
    assert taken.status_code == 409
    weak = admin.post("/api/users", json={"username": "new", "password": "short"}, headers=headers)
    assert weak.status_code == 422 and "too short" in weak.json()["detail"]
    assert [user["username"] for user in admin.get("/api/users").json()["items"]] == ["ada", "oli", "vic"]


def test_auth_disabled_makes_everyone_an_admin(migrated_db) -> None:
    _, sessions = migrated_db
    lab = make_desk(sessions, AccessConfig(enabled=False))
    client = lab.client()
    assert client.get("/api/me").json()["role"] == "admin"
    assert client.post("/api/incidents/7/ack").json()["by"] == "lab"
    assert audit_rows(lab)[-1].actor == "lab"
