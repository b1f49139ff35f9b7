"""I/O: the audit row of one change request — written once its status is known, before its answer leaves.

Allowed or refused, every change request gets one row: who (the principal, or the name a
route put in the request state, e.g. the login form's username), as what role, how (ui, api or
cli), on what, with which status. A route that fails before answering is recorded as a 500.
"""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from access.audit import AuditRecord
from access.dependencies import SESSION_COOKIE, STATE_AUDIT_ACTOR, STATE_AUDIT_DETAIL, STATE_PRINCIPAL
from access.policy import AUDITED_OPEN, audit_target, audit_via, wants_html
from access.principal import Principal
from access.service import AccessService

VIA_HEADER = "x-alertdesk-via"
#: Writes the request's audit row given its status and a detail.
Auditor = Callable[[int, str], Awaitable[None]]


def auditor(service: AccessService, request: Request) -> Auditor:
    """A function writing this request's audit row once its status is known."""

    async def write(status: int, detail: str) -> None:
        state = request.scope["state"]
        principal: Principal | None = state.get(STATE_PRINCIPAL)
        entry = AuditRecord(
            at=service.clock.now(),
            actor=state.get(STATE_AUDIT_ACTOR) or (principal.username if principal else "anonymous"),
            role=principal.role.value if principal else None,
            via=audit_via(principal.via if principal else None, request.headers.get(VIA_HEADER, ""),
                          _from_browser(request)),
            method=request.method, path=request.url.path, target=audit_target(request.url.path),
            status=status, detail=state.get(STATE_AUDIT_DETAIL) or detail,
        )
        await asyncio.to_thread(service.audit, entry)

    return write


async def pass_audited(app: ASGIApp, scope: Scope, receive: Receive, send: Send, audit: Auditor | None) -> None:
    """Hand the request to `app`; with `audit`, write its row when the answer starts (or 500 if it fails first)."""
    if audit is None:
        await app(scope, receive, send)
        return
    started = False

    async def audited_send(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start" and not started:
            started = True
            await audit(message["status"], "")
        await send(message)

    try:
        await app(scope, receive, audited_send)
    except Exception as exc:
        if not started:
            await audit(500, f"failed: {type(exc).__name__}")
        raise


def _from_browser(request: Request) -> bool:
    """A browser: it carries the session cookie, asks for pages, or is on the login form."""
    return (SESSION_COOKIE in request.cookies or wants_html(request.headers.get("accept", ""))
            or request.url.path in AUDITED_OPEN)
