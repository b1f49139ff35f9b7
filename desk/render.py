"""I/O: renders the desk's jinja2 templates (read from the package) in the request's language, for its principal.

One place decides what every page knows: the translator `t` of the chosen language, the
principal and whether they may act, the CSRF token for forms and htmx, and `now` read once from
the clock, so every time-left on one page is computed against the same instant.
"""
from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape

from access.web import Principal, Role, csrf_token
from desk.board import Deadline, format_time_left, format_when
from desk.i18n import LANG_COOKIE, LANGUAGES, choose_language, label, translator
from streams.clock import Clock


def request_language(request: Request, principal: Principal) -> str:
    """The page language: the user's setting, the switcher's cookie, the browser's Accept-Language, zh-CN."""
    return choose_language(
        user=principal.language,
        cookie=request.cookies.get(LANG_COOKIE),
        accept_language=request.headers.get("accept-language"),
    )


@pass_context
def _time_left(context: Any, deadline: Deadline) -> str:
    """Template filter: a deadline's time left in the page's language, against the page's `now`."""
    return format_time_left(deadline, context["now"], context["t"])


class Pages:
    """The desk's template environment; `render` turns a template and its context into a response."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._env = Environment(
            loader=PackageLoader("desk", "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,  # a misspelt variable fails the page's test instead of rendering blank
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters["when"] = format_when
        self._env.filters["time_left"] = _time_left

    def render(
        self, request: Request, template: str, principal: Principal, *, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        """Render `template` for `principal` in the request's language."""
        language = request_language(request, principal)
        html = self._env.get_template(template).render(
            t=translator(language),
            label=lambda prefix, value: label(language, prefix, value),
            lang=language,
            languages=LANGUAGES,
            principal=principal,
            can_act=principal.role.allows(Role.OPERATOR),
            csrf=csrf_token(request),
            here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            now=self._clock.now(),
            **context,
        )
        return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
