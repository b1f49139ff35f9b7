"""Pure: render a message's text from its template, context and the reader's language.

Templates are files named `<template>.<language>.txt.j2` (`page.zh-CN.txt.j2`, `page.en.txt.j2`),
read once. The package ships zh-CN and en; an operator may point `Templates` at a directory
whose files replace the package's one by one (same names), or add a language. A language with
no file for a template falls back to English, so a page is never lost to a missing translation.

Sandboxed and strict: a template cannot reach into Python objects, and a missing variable is an
error in tests rather than a blank in someone's SMS at 3 a.m.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Mapping

from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

FALLBACK_LANGUAGE = "en"
_SUFFIX = ".txt.j2"
# A BCP 47-ish tag ("zh-CN", "en", "ja"); anything else is not looked up at all.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")
# Loose spellings people put in a directory file, mapped to the file we ship.
_ALIASES = {"zh": "zh-CN", "en": "en"}


class Templates:
    """The message templates: the package's, optionally overridden file by file from a directory.

    The pager holds one; tests build their own. Files are read once (no reload on change), so a
    template edited while the pager runs takes effect at the next start.
    """

    def __init__(self, override_dir: Path | None = None) -> None:
        """Load the package templates, searching `override_dir` first when given.

        Raises:
            ValueError: if `override_dir` is not a directory, or holds a file that overrides no
                known template (a typo would otherwise be silently ignored).
            jinja2.TemplateSyntaxError: if an override file does not parse.
        """
        package = PackageLoader("notify", "templates")
        loaders: list[Any] = [package]
        if override_dir is not None:
            if not override_dir.is_dir():
                raise ValueError(f"template override directory {override_dir} does not exist or is not a directory")
            loaders.insert(0, FileSystemLoader(override_dir))
        self._env = SandboxedEnvironment(
            loader=ChoiceLoader(loaders),
            undefined=StrictUndefined,
            autoescape=False,  # plain text (SMS, speech, chat), not HTML
            auto_reload=False,
        )
        if override_dir is not None:
            self._check_overrides(override_dir, known={_template_of(name) for name in package.list_templates()})

    def _check_overrides(self, override_dir: Path, *, known: set[str]) -> None:
        """Fail at startup, naming the file, on an override that matches nothing or does not parse."""
        for path in sorted(override_dir.glob(f"*{_SUFFIX}")):
            template = _template_of(path.name)
            if template not in known:
                raise ValueError(
                    f"template override {path} overrides no known template "
                    f"(expected <template>.<language>{_SUFFIX} with template one of {sorted(known)})"
                )
            self._env.get_template(path.name)

    def render(self, template: str, context: Mapping[str, Any], language: str = "zh-CN") -> str:
        """Render `template` in `language` (else English) with `context`, as one line of text.

        Raises:
            jinja2.TemplateNotFound: if the template exists in neither the language nor English.
            jinja2.UndefinedError: if the template uses a variable the context lacks.
        """
        names = [f"{template}.{candidate}{_SUFFIX}" for candidate in _languages(language)]
        text = self._env.select_template(names).render(dict(context))
        return " ".join(text.split())


def _template_of(file_name: str) -> str:
    """`page` for `page.zh-CN.txt.j2`."""
    return file_name.removesuffix(_SUFFIX).partition(".")[0]


def _languages(language: str) -> list[str]:
    """Languages to try, best first: as given, its shipped alias ("zh" → "zh-CN"), then English."""
    candidates: list[str] = []
    if _LANGUAGE_TAG.fullmatch(language):
        alias = _ALIASES.get(language.split("-")[0].lower())
        candidates = [language] + ([alias] if alias else [])
    return list(dict.fromkeys([*candidates, FALLBACK_LANGUAGE]))


@cache
def _default_templates() -> Templates:
    """The package templates with no overrides, for callers that hold no `Templates`."""
    return Templates()


def render(template: str, context: Mapping[str, Any], language: str = "zh-CN") -> str:
    """Render a package template (no overrides); see `Templates.render`."""
    return _default_templates().render(template, context, language)
