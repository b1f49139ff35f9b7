"""I/O: the access middleware — one place that authenticates, applies the role floor, checks CSRF and audits.

For every HTTP request to a guarded path: find the principal (bearer token or session cookie),
refuse it without credentials (401, or 303 to /login for a browser) or below the path's floor
(403), refuse a cookie-authenticated change without the session's CSRF token (403), and write
an audit row for every change request — allowed or refused — before its answer leaves.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Awaitable, Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from access.audit import AuditRecord
from access.dependencies import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    STATE_AUDIT_ACTOR,
    STATE_AUDIT_DETAIL,
    STATE_CSRF,
    STATE_INSTALLED,
    STATE_PRINCIPAL,
    STATE_SESSION_ID,
)
from access.passwords import csrf_matches
from access.policy import (
    AUDITED_OPEN,
    audit_target,
    audit_via,
    audited,
    is_change,
    login_redirect,
    required_role,
    wants_html,
)
from access.principal import LAB_PRINCIPAL, VIA_SESSION, Principal
from access.service import AccessService, Authenticated

#: A form body bigger than this is not read for its CSRF field (413): forms are small.
MAX_FORM_BYTES = 1024 * 1024
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
VIA_HEADER = "x-alertdesk-via"
#: Writes the request's audit row given its status and a detail.
Auditor = Callable[[int, str], Awaitable[None]]


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
        audit = self._auditor(request) if audited(scope["method"], scope["path"]) else None

        if needed is not None and principal is None:
            await self._refuse(scope, receive, send, audit, _unauthenticated(request), "no credentials")
            return
        if needed is not None and not principal.role.allows(needed):
            reason = f"needs role {needed.value}; {principal.username} is {principal.role.value}"
            await self._refuse(scope, receive, send, audit, (403, {"detail": reason}, {}), reason)
            return
        if needed is not None and is_change(scope["method"]) and principal.via == VIA_SESSION:
            receive, given, too_big = await _csrf_given(request, receive)
            if too_big:
                reason = f"form body over {MAX_FORM_BYTES} bytes"
                await self._refuse(scope, receive, send, audit, (413, {"detail": reason}, {}), reason)
                return
            if not csrf_matches(given, state.get(STATE_CSRF, "")):
                reason = (f"CSRF token missing or wrong: send this session's token in the {CSRF_HEADER} header"
                          f" or the {CSRF_FIELD} form field (reload the page to get a fresh one)")
                await self._refuse(scope, receive, send, audit, (403, {"detail": reason}, {}), reason)
                return
        await self._pass(scope, receive, send, audit)

    async def _authenticate(self, request: Request) -> Authenticated | None:
        if not self.service.config.enabled:
            return Authenticated(LAB_PRINCIPAL, None)
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        bearer = credentials.strip() if scheme.lower() == "bearer" else None
        session_id = request.cookies.get(SESSION_COOKIE)
        if not bearer and not session_id:
            return None
        return await asyncio.to_thread(self.service.authenticate, session_id=session_id, bearer=bearer)

    def _auditor(self, request: Request) -> Auditor:
        """A function writing this request's audit row once its status is known."""

        async def write(status: int, detail: str) -> None:
            state = request.scope["state"]
            principal: Principal | None = state.get(STATE_PRINCIPAL)
            entry = AuditRecord(
                at=self.service.clock.now(),
                actor=state.get(STATE_AUDIT_ACTOR) or (principal.username if principal else "anonymous"),
                role=principal.role.value if principal else None,
                via=audit_via(principal.via if principal else None, request.headers.get(VIA_HEADER, ""),
                              _from_browser(request)),
                method=request.method, path=request.url.path, target=audit_target(request.url.path),
                status=status, detail=state.get(STATE_AUDIT_DETAIL) or detail,
            )
            await asyncio.to_thread(self.service.audit, entry)

        return write

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, audit: Auditor | None,
        answer: tuple[int, dict[str, Any], dict[str, str]], reason: str,
    ) -> None:
        status, body, headers = answer
        if audit is not None:
            await audit(status, f"refused: {reason}")
        raw = json.dumps(body).encode("utf-8")
        header_list = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
        header_list += [(key.lower().encode("latin-1"), value.encode("latin-1")) for key, value in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": header_list})
        await send({"type": "http.response.body", "body": raw})

    async def _pass(self, scope: Scope, receive: Receive, send: Send, audit: Auditor | None) -> None:
        if audit is None:
            await self.app(scope, receive, send)
            return
        started = False

        async def audited_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start" and not started:
                started = True
                await audit(message["status"], "")
            await send(message)

        try:
            await self.app(scope, receive, audited_send)
        except Exception as exc:
            if not started:
                await audit(500, f"failed: {type(exc).__name__}")
            raise


def _from_browser(request: Request) -> bool:
    """A browser: it carries the session cookie, asks for pages, or is on the login form."""
    return (SESSION_COOKIE in request.cookies or wants_html(request.headers.get("accept", ""))
            or request.url.path in AUDITED_OPEN)


def _unauthenticated(request: Request) -> tuple[int, dict[str, Any], dict[str, str]]:
    """401 for API callers and htmx (which is told where to go); 303 to the login page for a browser's page."""
    location = login_redirect(request.url.path, request.url.query)
    if request.headers.get("hx-request"):
        return 401, {"detail": "session expired: sign in again"}, {"HX-Redirect": location}
    if wants_html(request.headers.get("accept", "")) and request.method in ("GET", "HEAD"):
        return 303, {"detail": "sign in first"}, {"Location": location}
    detail = {"detail": "sign in or send Authorization: Bearer <API token>"}
    return 401, detail, {"WWW-Authenticate": 'Bearer realm="alertdesk"'}


def _replay(body: bytes, then: Receive) -> Receive:
    """A `receive` handing the buffered body on once, then the server's own (which reports the disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive


async def _csrf_given(request: Request, receive: Receive) -> tuple[Receive, str | None, bool]:
    """The CSRF token the request carries (header, else form field), the `receive` to hand on, and "form too big"."""
    header = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if header or not content_type.startswith(FORM_TYPES):
        return receive, header, False
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return receive, None, True
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    form = await Request(request.scope, _replay(body, receive)).form()
    value = form.get(CSRF_FIELD)
    await form.close()
    return _replay(body, receive), value if isinstance(value, str) else None, False
