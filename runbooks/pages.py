"""I/O: what the runbook pages (the incident page's panel, the drill pages) share: their templates and language.

Templates autoescape, so step text rendered in the runbook sandbox shows as text even when a
label is hostile. The language follows the user, the `lang` cookie, then Accept-Language.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from access.policy import pick_language
from access.web import Principal
from runbooks.panel_text import choose_language

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, undefined=StrictUndefined
)


def language_of(request: Request, principal: Principal) -> str:
    """The page's language."""
    return choose_language(
        user=principal.language, cookie=request.cookies.get("lang"),
        accept_language=request.headers.get("accept-language", ""), pick=pick_language,
    )
