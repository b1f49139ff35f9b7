"""I/O: access's public surface for the HTTP app — import these names, nothing deeper.

* `Principal`, `Role` — who acts, and as what.
* `require(role)` — FastAPI dependency returning the Principal (401 JSON for API callers, 303 to
  /login?next=… for browser pages, 403 below `role`).
* `signed_in_person(request)` — the username of a browser session's person (None for API tokens).
* `csrf_token(request)` — for forms (hidden field `csrf_token`) and htmx (header `X-CSRF-Token`).
* `access_router(service)` — /login, /logout, /api/me, /api/users, /api/tokens, /api/audit.
* `install_access(app, service)` — the middleware that authenticates, applies the role floor of
  `access.policy`, checks CSRF and audits every change; `build_http_app` calls it.
"""
from __future__ import annotations

from fastapi import APIRouter, FastAPI

from access.admin_api import admin_router
from access.dependencies import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, csrf_token, require, signed_in_person
from access.login import login_router
from access.middleware import AccessMiddleware
from access.principal import Principal
from access.roles import Role
from access.service import AccessConfig, AccessService

__all__ = [
    "AccessConfig", "AccessService", "CSRF_FIELD", "CSRF_HEADER", "Principal", "Role", "SESSION_COOKIE",
    "access_router", "csrf_token", "install_access", "require", "signed_in_person",
]


def access_router(service: AccessService) -> APIRouter:
    """The sign-in page and the account APIs, on one router."""
    router = APIRouter()
    router.include_router(login_router(service))
    router.include_router(admin_router(service.sessions, service.clock))
    return router


def install_access(app: FastAPI, service: AccessService) -> None:
    """Guard `app`: every request goes through the access middleware (see access.middleware)."""
    app.add_middleware(AccessMiddleware, service=service)
