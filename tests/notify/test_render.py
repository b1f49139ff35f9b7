"""Render: page and notice text, SMS-length and strict about missing variables."""
from __future__ import annotations

import pytest
from jinja2 import TemplateNotFound, UndefinedError

from incidents.events import EventKind
from notify.planner import DEFAULT_ROUTES, plan_pages
from notify.render import render
from tests.notify.factories import make_event


def _body(event) -> str:
    (intent,) = plan_pages(event, routes=DEFAULT_ROUTES).intents
    return render(intent.template, intent.context)


def test_typical_page_reads_well_and_fits_one_sms():
    body = _body(make_event(EventKind.OPENED, incident_id=12))

    assert body == (
        "[alertdesk] CRITICAL incident #12 at dc1: HighTemperature at site dc1 - 3 alerts. "
        "Reply ACK 12 to acknowledge."
    )
    assert len(body) < 160
    assert body.isascii()  # GSM-7 friendly: one SMS segment, not three UCS-2 ones


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"alert_count": 1}, " - 1 alert. "),
        ({"site": ""}, "incident #12: "),
        ({"severity": "warning"}, "WARNING incident"),
    ],
)
def test_page_variants(overrides, fragment):
    assert fragment in _body(make_event(EventKind.OPENED, incident_id=12, **overrides))


def test_long_title_is_truncated_to_keep_the_page_short():
    body = _body(make_event(EventKind.OPENED, incident_id=12, title="UPS-A on battery; " * 20))

    assert len(body) <= 160
    assert "..." in body and body.endswith("Reply ACK 12 to acknowledge.")


def test_chinese_title_renders():
    body = _body(make_event(EventKind.OPENED, incident_id=7, title="机房A 温度过高", site="北京一号"))

    assert "incident #7 at 北京一号: 机房A 温度过高 - 3 alerts." in body


def test_resolved_notice():
    body = _body(make_event(EventKind.RESOLVED, incident_id=12))

    assert body == "[alertdesk] RESOLVED incident #12 at dc1: HighTemperature at site dc1. No action needed."


def test_page_is_one_line():
    assert "\n" not in _body(make_event(EventKind.OPENED, title="line one\nline two"))


def test_missing_variable_is_an_error():
    with pytest.raises(UndefinedError):
        render("page", {"incident_id": 1})


def test_unknown_template_is_an_error():
    with pytest.raises(TemplateNotFound):
        render("no-such-template", {})
