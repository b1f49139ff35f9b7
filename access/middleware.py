"""I/O: the access middleware — one place that authenticates, applies the role floor, checks CSRF and audits.

For every HTTP request to a guarded path: find the principal (bearer token or session cookie),
refuse it without credentials (401, or 303 to /login for a browser) or below the path's floor
(403), refuse a cookie-authenticated change without the session's CSRF token (403), and write
an audit row for every change request — allowed or refused — before its answer leaves.
Reading a form for its CSRF field is `access/form_csrf.py`; the audit row `access/request_audit.py`.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from access.dependencies import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    STATE_CSRF,
    STATE_INSTALLED,
    STATE_PRINCIPAL,
    STATE_SESSION_ID,
)
from access.form_csrf import MAX_FORM_BYTES, csrf_given
from access.passwords import csrf_matches
from access.policy import audited, is_change, login_redirect, required_role, wants_html
from access.principal import LAB_PRINCIPAL, VIA_SESSION, Principal
from access.request_audit import Auditor, auditor, pass_audited
from access.service import AccessService, Authenticated


class AccessMiddleware:
    """Pure ASGI middleware (the body of a form must be read for its CSRF field and handed on intact)."""

    def __init__(self, app: ASGIApp, service: AccessService) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state[STATE_INSTALLED] = True
        request = Request(scope)
        needed = required_role(scope["method"], scope["path"])
        if needed is not None:
            auth = await self._authenticate(request)
            if auth is not None:
                state[STATE_PRINCIPAL] = auth.principal
                if auth.session_id is not None:
                    state[STATE_SESSION_ID] = auth.session_id
                    state[STATE_CSRF] = await asyncio.to_thread(self.service.csrf_token, auth.session_id)
        principal: Principal | None = state.get(STATE_PRINCIPAL)
        audit = auditor(self.service, request) if audited(scope["method"], scope["path"]) else None

        if needed is not None and principal is None:
            await self._refuse(scope, receive, send, audit, _unauthenticated(request), "no credentials")
            return
        if needed is not None and not principal.role.allows(needed):
            reason = f"needs role {needed.value}; {principal.username} is {principal.role.value}"
            await self._refuse(scope, receive, send, audit, (403, {"detail": reason}, {}), reason)
            return
        if needed is not None and is_change(scope["method"]) and principal.via == VIA_SESSION:
            receive, given, too_big = await csrf_given(request, receive)
            if too_big:
                reason = f"form body over {MAX_FORM_BYTES} bytes"
                await self._refuse(scope, receive, send, audit, (413, {"detail": reason}, {}), reason)
                return
            if not csrf_matches(given, state.get(STATE_CSRF, "")):
                reason = (f"CSRF token missing or wrong: send this session's token in the {CSRF_HEADER} header"
                          f" or the {CSRF_FIELD} form field (reload the page to get a fresh one)")
                await self._refuse(scope, receive, send, audit, (403, {"detail": reason}, {}), reason)
                return
        await pass_audited(self.app, scope, receive, send, audit)

    async def _authenticate(self, request: Request) -> Authenticated | None:
        """Who sent the request (bearer token, else session cookie), or None; everyone is the lab admin when sign-in is off."""
        if not self.service.config.enabled:
            return Authenticated(LAB_PRINCIPAL, None)
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        bearer = credentials.strip() if scheme.lower() == "bearer" else None
        session_id = request.cookies.get(SESSION_COOKIE)
        if not bearer and not session_id:
            return None
        return await asyncio.to_thread(self.service.authenticate, session_id=session_id, bearer=bearer)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, audit: Auditor | None,
        answer: tuple[int, dict[str, Any], dict[str, str]], reason: str,
    ) -> None:
        """Answer `answer` (status, JSON body, headers) without calling the app, auditing the refusal first."""
        status, body, headers = answer
        if audit is not None:
            await audit(status, f"refused: {reason}")
        raw = json.dumps(body).encode("utf-8")
        header_list = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
        header_list += [(key.lower().encode("latin-1"), value.encode("latin-1")) for key, value in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": header_list})
        await send({"type": "http.response.body", "body": raw})


def _unauthenticated(request: Request) -> tuple[int, dict[str, Any], dict[str, str]]:
    """401 for API callers and htmx (which is told where to go); 303 to the login page for a browser's page."""
    location = login_redirect(request.url.path, request.url.query)
    if request.headers.get("hx-request"):
        return 401, {"detail": "session expired: sign in again"}, {"HX-Redirect": location}
    if wants_html(request.headers.get("accept", "")) and request.method in ("GET", "HEAD"):
        return 303, {"detail": "sign in first"}, {"Location": location}
    detail = {"detail": "sign in or send Authorization: Bearer <API token>"}
    return 401, detail, {"WWW-Authenticate": 'Bearer realm="alertdesk"'}
