"""I/O: the access shell the middleware and routes share — authenticate, log in and out, write the audit log.

Every method runs one short database transaction and is blocking: async callers run it in a
thread (`asyncio.to_thread`), as the rest of the HTTP app does with database work. Sign-in is
throttled per username and address (`access/login_throttle.py`, this worker's memory), and each
successful sign-in deletes a bounded batch of expired sessions, so the table does not grow forever.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import sessionmaker

from access import session_store, store, token_store
from access.audit import AuditRecord, record
from access.login_throttle import LoginThrottle, ThrottlePolicy
from access.passwords import csrf_token_for
from access.principal import Principal
from streams.clock import Clock

log = logging.getLogger(__name__)
CSRF_SECRET = "csrf"


@dataclass(frozen=True)
class AccessConfig:
    """How sign-in behaves: `enabled` False (a closed lab only) makes everyone an admin."""

    enabled: bool = True
    session_max_age_s: float = 12 * 3600.0
    session_idle_timeout_s: float = 2 * 3600.0
    secure_cookies: bool = False
    login_throttle: ThrottlePolicy = ThrottlePolicy()


class LoginThrottled(Exception):
    """Too many failed sign-ins for this username from this address lately; `retry_after` says when to try again."""

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__(f"too many failed sign-ins: try again in {retry_after.total_seconds():.0f} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Authenticated:
    """A recognised request: who, and the session id when it came with the session cookie."""

    principal: Principal
    session_id: str | None


class AccessService:
    """Authenticates requests against the database and records what they changed."""

    def __init__(self, sessions: sessionmaker, clock: Clock, config: AccessConfig = AccessConfig()) -> None:
        self.sessions = sessions
        self.clock = clock
        self.config = config
        self._csrf_secret: str | None = None
        self._throttle = LoginThrottle(config.login_throttle)
        self._throttle_lock = threading.Lock()  # logins run in threads

    def authenticate(self, *, session_id: str | None, bearer: str | None) -> Authenticated | None:
        """The principal of a bearer token (tried first) or a session cookie, or None."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            if bearer:
                principal = token_store.token_principal(session=session, secret=bearer, now=now)
                return Authenticated(principal, None) if principal else None
            if session_id:
                principal = session_store.session_principal(session=session, session_id=session_id, now=now)
                return Authenticated(principal, session_id) if principal else None
        return None

    def csrf_token(self, session_id: str) -> str:
        """The CSRF token belonging to a session (derived, never stored)."""
        if self._csrf_secret is None:
            with self.sessions.begin() as session:
                self._csrf_secret = token_store.install_secret(session=session, name=CSRF_SECRET, now=self.clock.now())
        return csrf_token_for(session_id, self._csrf_secret)

    def login(self, username: str, password: str, *, address: str) -> Authenticated | None:
        """Open a session for the right password of an enabled user, else None; `address` is the client's.

        Raises:
            LoginThrottled: this username failed too often from `address` lately; the password is not checked.
        """
        key, now = (username, address), self.clock.now()
        with self._throttle_lock:
            wait = self._throttle.retry_after(key, now)
        if wait is not None:
            raise LoginThrottled(wait)
        with self.sessions.begin() as session:
            user = store.check_login(session=session, username=username, password=password)
            if user is None:
                with self._throttle_lock:
                    self._throttle.failed(key, now)
                return None
            with self._throttle_lock:
                self._throttle.succeeded(key)
            session_store.purge_sessions(session=session, now=now)
            session_id = session_store.start_session(
                session=session, user=user, now=now,
                max_age_s=self.config.session_max_age_s, idle_timeout_s=self.config.session_idle_timeout_s,
            )
            return Authenticated(session_store.session_principal(session=session, session_id=session_id, now=now),
                                 session_id)

    def logout(self, session_id: str) -> None:
        """End a session."""
        with self.sessions.begin() as session:
            session_store.end_session(session=session, session_id=session_id)

    def audit(self, entry: AuditRecord) -> None:
        """Write one audit row; a database failure is logged loudly, never turned into a failed request."""
        try:
            with self.sessions.begin() as session:
                record(session=session, entry=entry)
        except Exception:  # the change itself is already done; refusing its answer would make callers retry it
            log.exception("audit row not written: %s", entry)
