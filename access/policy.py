"""Pure: the HTTP app's access floor — which paths are open, which need viewer, operator or admin.

Every route of the app gets at least this floor from the access middleware, so a route someone
forgets to guard is still not open: reads need a viewer, changes an operator, configuration an
admin. Routes may ask for more with `access.web.require`. Open paths carry their own checks
(ingest auth, Twilio's signature) or must answer without a login (health, metrics, the login page).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from access.principal import LANGUAGES
from access.roles import Role

CHANGE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OPEN_EXACT = frozenset({"/healthz", "/readyz", "/metrics", "/login", "/favicon.ico", "/api/v2/alerts"})
OPEN_PREFIXES = ("/ingest/", "/heartbeat/", "/twilio/", "/static/")
#: Configuration: every method needs an admin (the audit log is read by admins only).
ADMIN_PREFIXES = ("/api/users", "/api/tokens", "/api/audit")
#: Configuration changes: reading stays a viewer's right.
ADMIN_CHANGE_PREFIXES = ("/api/topology", "/api/safety-exceptions/")
#: Changes anyone signed in may make: ending their own session.
VIEWER_CHANGES = frozenset({"/logout"})
DEFAULT_LANGUAGE = "zh-CN"


def is_change(method: str) -> bool:
    """True for the methods that change something (and are CSRF-checked and audited)."""
    return method.upper() in CHANGE_METHODS


def _under(path: str, prefix: str) -> bool:
    return path == prefix.rstrip("/") or path.startswith(prefix.rstrip("/") + "/")


def required_role(method: str, path: str) -> Role | None:
    """The lowest role the app lets through to `method path`, or None for an open path."""
    if path in OPEN_EXACT or path.startswith(OPEN_PREFIXES):
        return None
    if any(_under(path, prefix) for prefix in ADMIN_PREFIXES):
        return Role.ADMIN
    if not is_change(method) or path in VIEWER_CHANGES:
        return Role.VIEWER
    if any(_under(path, prefix) for prefix in ADMIN_CHANGE_PREFIXES) and _is_configuration(path):
        return Role.ADMIN
    return Role.OPERATOR


def _is_configuration(path: str) -> bool:
    """Topology changes, and approving a life-safety exception (it lets smoke or a leak be silenced)."""
    return path.startswith("/api/topology") or path.endswith("/approve")


def wants_html(accept: str) -> bool:
    """True for a browser asking for a page (redirect it to the login page rather than answer 401 JSON)."""
    return "text/html" in accept.lower()


def login_redirect(path: str, query: str) -> str:
    """Where an unauthenticated browser is sent: the login page, coming back here afterwards."""
    target = path + (f"?{query}" if query else "")
    return "/login?next=" + quote(target, safe="/")


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only (never `//evil` or `https://…`), else the board."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def audit_target(path: str) -> str:
    """The object a change request is about, for the audit log: "incidents/12" for /api/incidents/12/ack."""
    parts = [part for part in path.split("/") if part]
    if parts and parts[0] == "api":
        parts = parts[1:]
    return "/".join(parts[:2])


def pick_language(accept_language: str) -> str:
    """zh-CN or en from an Accept-Language header (highest q first), zh-CN when neither is asked for."""
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        for language in LANGUAGES:
            if tag == language.lower() or tag.split("-")[0] == language.lower().split("-")[0]:
                return language
    return DEFAULT_LANGUAGE


@dataclass(frozen=True)
class SessionTimes:
    """When a web session began, when it ends at the latest, and when it was last used."""

    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime
    idle_timeout_s: float


def session_alive(times: SessionTimes, now: datetime) -> bool:
    """True while a session is within its absolute lifetime and was used within its idle timeout."""
    return now < times.expires_at and (now - times.last_seen_at).total_seconds() < times.idle_timeout_s


#: Record use (last_seen_at, last_used_at) at most this often: a write per request would be waste.
TOUCH_EVERY_S = 60.0


def needs_touch(last_seen_at: datetime | None, now: datetime) -> bool:
    """True when the last recorded use is old enough to be written again."""
    return last_seen_at is None or (now - last_seen_at).total_seconds() >= TOUCH_EVERY_S


#: Open paths whose changes are still audited: signing in and out are account events.
AUDITED_OPEN = frozenset({"/login"})


def audited(method: str, path: str) -> bool:
    """True for the requests the audit log records: changes through guarded paths, and logins."""
    return is_change(method) and (required_role(method, path) is not None or path in AUDITED_OPEN)


def audit_via(principal_via: str | None, declared: str, browser: bool) -> str:
    """ui, api or cli for an audit row: a session is the UI, a token the API unless the CLI says it is the caller."""
    if principal_via == "session":
        return "ui"
    if declared.lower() == "cli":
        return "cli"
    return "ui" if browser and principal_via != "token" else "api"
