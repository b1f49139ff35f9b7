"""Sign-in limits over a real app and database (SQLite and PostgreSQL), with a fake clock: repeated failures for
one username from one address answer 429 with Retry-After, and signing in purges expired sessions, a batch at a time."""
from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from access import session_store, store
from access.models import AuditEntry, WebSession
from tests.access.conftest import PASSWORDS, Desk

WRONG = {"username": "oli", "password": "guess"}
RIGHT = {"username": "oli", "password": PASSWORDS["oli"]}


def post_login(client: TestClient, form: dict[str, str]):
    return client.post("/login", data=form, follow_redirects=False)


def test_five_failures_in_five_minutes_throttle_that_name_from_that_address(desk: Desk) -> None:
    client = desk.client()
    for _ in range(5):
        assert post_login(client, WRONG).status_code == 401
        desk.clock.advance(seconds=30)
    # 150 s after the first failure: even the right password waits until that failure leaves the window.
    throttled = post_login(client, RIGHT)
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "150"
    assert 'id="login-throttled"' in throttled.text and "请 3 分钟后再试" in throttled.text
    assert "set-cookie" not in throttled.headers

    other_address = TestClient(desk.app, client=("10.0.0.8", 50000))
    assert post_login(other_address, RIGHT).status_code == 303  # the same name from elsewhere signs in
    assert post_login(client, {**RIGHT, "username": "vic", "password": PASSWORDS["vic"]}).status_code == 303

    desk.clock.advance(seconds=150)
    assert post_login(client, RIGHT).status_code == 303
    with desk.sessions() as session:
        details = session.scalars(select(AuditEntry.detail).where(AuditEntry.status == 429)).all()
    assert details == ["sign-in refused: throttled for 150 s after repeated failures"]


def test_a_success_clears_the_failures(desk: Desk) -> None:
    client = desk.client()
    for _ in range(4):
        post_login(client, WRONG)
    assert post_login(client, RIGHT).status_code == 303
    for _ in range(4):
        assert post_login(desk.client(), WRONG).status_code == 401  # four more are allowed again


def test_signing_in_purges_expired_sessions_a_bounded_batch_at_a_time(desk: Desk) -> None:
    now = desk.clock.now()
    with desk.sessions.begin() as session:
        user = store.get_user(session=session, username="vic")
        for _ in range(session_store.PURGE_BATCH + 5):
            session_store.start_session(session=session, user=user, now=now - timedelta(days=2),
                                        max_age_s=3600, idle_timeout_s=600)
        live = session_store.start_session(session=session, user=user, now=now, max_age_s=3600, idle_timeout_s=600)

    def sessions_left() -> int:
        with desk.sessions() as session:
            return session.scalar(select(func.count()).select_from(WebSession))

    desk.login("oli")
    assert sessions_left() == 5 + 1 + 1  # five expired left for the next sign-in, the live one, oli's new one
    desk.login("oli")
    assert sessions_left() == 1 + 2
    with desk.sessions() as session:
        assert session_store.session_principal(session=session, session_id=live, now=now).username == "vic"
