"""I/O: renders the report pages from the package's jinja2 templates (templates/*.html.j2), autoescaped.

Values come from `incidents.reports.monthly` already in the reader's language; the charts are
the only markup passed through unescaped, and `chart.bar_chart` escapes every label it draws.
"""
from __future__ import annotations

from functools import cache
from typing import Any, Sequence

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from incidents.reports import i18n


@cache
def _environment() -> Environment:
    """One environment per process; templates are compiled once."""
    return Environment(
        loader=PackageLoader("incidents.reports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,  # a missing value is a bug to see, not a blank cell in a customer's report
    )


def render_monthly(view: dict[str, Any], *, site_param: str | None) -> str:
    """The printable monthly report page of `monthly.monthly_view`'s content."""
    return _environment().get_template("monthly.html.j2").render(**view, site_param=site_param or "")


def render_index(months: Sequence[str], lang: str) -> str:
    """The /reports page: one link per month, newest first."""
    return _environment().get_template("index.html.j2").render(
        lang=lang, other_lang="en" if lang == "zh-CN" else "zh-CN", t=i18n.TEXTS[lang], months=list(months)
    )
