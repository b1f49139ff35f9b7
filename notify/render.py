"""Pure: render a page's text from its template and context (templates are package data, read once).

Sandboxed and strict: a template cannot reach into Python objects, and a missing variable is an
error in tests rather than a blank in someone's SMS at 3 a.m.
"""
from __future__ import annotations

from functools import cache
from typing import Any, Mapping

from jinja2 import PackageLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment


@cache
def _environment() -> SandboxedEnvironment:
    """The one template environment; plain text, so no HTML autoescaping."""
    return SandboxedEnvironment(
        loader=PackageLoader("notify", "templates"),
        undefined=StrictUndefined,
        autoescape=False,
    )


def render(template: str, context: Mapping[str, Any]) -> str:
    """Render `notify/templates/<template>.txt.j2` with `context` into one line of text.

    Raises:
        jinja2.TemplateNotFound: if there is no such template.
        jinja2.UndefinedError: if the template uses a variable the context lacks.
    """
    text = _environment().get_template(f"{template}.txt.j2").render(dict(context))
    return " ".join(text.split())
