"""I/O: the FastAPI side of access — `require(role)` and `csrf_token(request)` over what the middleware found.

The access middleware authenticates each request once and leaves the principal and the CSRF
token in the request's state; these read them. `require` is cached per role, so a test can
replace it: `app.dependency_overrides[require(Role.OPERATOR)] = lambda: Principal(...)`.
"""
from __future__ import annotations

import functools
from typing import Awaitable, Callable

from fastapi import HTTPException, Request

from access.policy import login_redirect, wants_html
from access.principal import VIA_SESSION, Principal
from access.roles import Role

SESSION_COOKIE = "alertdesk_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
#: Keys of the request state the middleware fills.
STATE_INSTALLED = "access_installed"
STATE_PRINCIPAL = "access_principal"
STATE_CSRF = "access_csrf_token"
STATE_SESSION_ID = "access_session_id"
#: Keys a route may set to shape its audit row (the login form names who tried).
STATE_AUDIT_ACTOR = "audit_actor"
STATE_AUDIT_DETAIL = "audit_detail"


def current_principal(request: Request) -> Principal | None:
    """Who the middleware recognised, or None.

    Raises:
        RuntimeError: the access middleware is not installed on this app (`access.web.install_access`).
    """
    state = request.scope.get("state") or {}
    if not state.get(STATE_INSTALLED):
        raise RuntimeError("access middleware not installed: call access.web.install_access(app, service)")
    return state.get(STATE_PRINCIPAL)


def signed_in_person(request: Request) -> str | None:
    """The username of the person signed in with a browser session on this request; None for tokens and the lab."""
    principal = current_principal(request)
    return principal.username if principal is not None and principal.via == VIA_SESSION else None


def not_signed_in(request: Request) -> HTTPException:
    """401 for API callers; for a browser, 303 to the login page coming back to this page."""
    if wants_html(request.headers.get("accept", "")) and request.method in ("GET", "HEAD"):
        location = login_redirect(request.url.path, request.url.query)
        return HTTPException(status_code=303, detail="sign in first", headers={"Location": location})
    return HTTPException(
        status_code=401, detail="sign in or send Authorization: Bearer <API token>",
        headers={"WWW-Authenticate": 'Bearer realm="alertdesk"'},
    )


def too_low(principal: Principal, role: Role) -> HTTPException:
    """403 naming the role needed and the one held."""
    detail = f"needs role {role.value}; {principal.username} is {principal.role.value}"
    return HTTPException(status_code=403, detail=detail)


@functools.cache
def require(role: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A FastAPI dependency returning the Principal when it holds `role` or above (401/303 without one, 403 below)."""

    async def dependency(request: Request) -> Principal:
        principal = current_principal(request)
        if principal is None:
            raise not_signed_in(request)
        if not principal.role.allows(role):
            raise too_low(principal, role)
        return principal

    dependency.__name__ = f"require_{role.value}"
    return dependency


def csrf_token(request: Request) -> str:
    """The CSRF token to put in forms (hidden `csrf_token`) and htmx requests (`X-CSRF-Token`); "" without a session."""
    return (request.scope.get("state") or {}).get(STATE_CSRF, "")
