"""I/O: GET/POST /login (the bilingual sign-in page) and POST /logout, setting and clearing the session cookie.

Too many failed sign-ins for one username from one address answer 429 with `Retry-After` and the
page saying how long to wait (`AccessService.login` decides; the password is not even checked).
"""
from __future__ import annotations

import asyncio
import math

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from access.dependencies import SESSION_COOKIE, STATE_AUDIT_ACTOR, STATE_AUDIT_DETAIL, STATE_SESSION_ID
from access.login_text import TEXT, login_language, other_language
from access.policy import safe_next
from access.service import AccessService, LoginThrottled

MAX_FIELD = 1024
_templates = Environment(loader=PackageLoader("access", "templates"), autoescape=select_autoescape(["html"]))


def _page(
    request: Request, *, next_path: str, username: str = "", failed: bool = False, retry_after_s: int | None = None
) -> HTMLResponse:
    """The sign-in page: 200, 401 after a failed try, 429 with `Retry-After` when throttled."""
    language = login_language(
        request.query_params.get("lang"), request.cookies.get("lang"), request.headers.get("accept-language", "")
    )
    throttled = TEXT[language]["throttled"].format(minutes=math.ceil(retry_after_s / 60)) if retry_after_s else ""
    html = _templates.get_template("login.html").render(
        language=language, t=TEXT[language], other=other_language(language),
        next=next_path, username=username, failed=failed, throttled=throttled,
    )
    headers = {"Cache-Control": "no-store"}
    if retry_after_s:
        headers["Retry-After"] = str(retry_after_s)
        return HTMLResponse(html, status_code=429, headers=headers)
    return HTMLResponse(html, status_code=401 if failed else 200, headers=headers)


def login_router(service: AccessService) -> APIRouter:
    """The sign-in page, its form, and sign-out."""
    router = APIRouter(tags=["access"], include_in_schema=False)

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> HTMLResponse:
        return _page(request, next_path=safe_next(next))

    @router.post("/login", response_model=None)
    async def login(
        request: Request,
        username: str = Form(..., max_length=MAX_FIELD),
        password: str = Form(..., max_length=MAX_FIELD),
        next: str = Form("/", max_length=MAX_FIELD),
    ) -> Response:
        setattr(request.state, STATE_AUDIT_ACTOR, username)
        address = request.client.host if request.client else ""
        try:
            auth = await asyncio.to_thread(service.login, username, password, address=address)
        except LoginThrottled as exc:
            wait_s = max(1, math.ceil(exc.retry_after.total_seconds()))
            setattr(request.state, STATE_AUDIT_DETAIL, f"sign-in refused: throttled for {wait_s} s after repeated failures")
            return _page(request, next_path=safe_next(next), username=username, retry_after_s=wait_s)
        if auth is None:
            setattr(request.state, STATE_AUDIT_DETAIL, "sign-in refused: wrong username or password, or disabled")
            return _page(request, next_path=safe_next(next), username=username, failed=True)
        setattr(request.state, STATE_AUDIT_DETAIL, "signed in")
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(
            SESSION_COOKIE, auth.session_id, max_age=int(service.config.session_max_age_s), httponly=True,
            samesite="lax", secure=service.config.secure_cookies, path="/",
        )
        return response

    @router.post("/logout", response_model=None)
    async def logout(request: Request) -> Response:
        session_id = getattr(request.state, STATE_SESSION_ID, None)
        if session_id:
            await asyncio.to_thread(service.logout, session_id)
        setattr(request.state, STATE_AUDIT_DETAIL, "signed out")
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(
            SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=service.config.secure_cookies
        )
        return response

    return router
