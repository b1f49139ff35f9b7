"""Planner: which events page whom, at which level, and why nobody when nobody."""
from __future__ import annotations

import pytest

from incidents.events import EventKind
from notify.planner import DEFAULT_ROUTES, NoPageReason, Route, plan_pages
from tests.notify.factories import make_event

TWO_ROUTES = (Route("on-call", "console"), Route("+8613800000000", "sms"))


@pytest.mark.parametrize(
    ("kind", "routes", "expected_keys", "template", "reason"),
    [
        (EventKind.OPENED, DEFAULT_ROUTES, [(1, "on-call", "console", 1)], "page", None),
        (
            EventKind.OPENED,
            TWO_ROUTES,
            [(1, "on-call", "console", 1), (1, "+8613800000000", "sms", 1)],
            "page",
            None,
        ),
        (EventKind.RESOLVED, TWO_ROUTES, [(0, "on-call", "console", 1), (0, "+8613800000000", "sms", 1)], "resolved", None),
        (EventKind.OPENED, TWO_ROUTES + TWO_ROUTES[:1], [(1, "on-call", "console", 1), (1, "+8613800000000", "sms", 1)], "page", None),
        (EventKind.ALERT_ATTACHED, DEFAULT_ROUTES, [], None, NoPageReason.NOT_PAGEABLE_EVENT),
        (EventKind.ALERT_RESOLVED, DEFAULT_ROUTES, [], None, NoPageReason.NOT_PAGEABLE_EVENT),
        (EventKind.OPENED, (), [], None, NoPageReason.NO_ROUTES),
    ],
    ids=["opened-default", "opened-two-routes", "resolved-notice", "duplicate-route", "attached", "alert-resolved", "no-routes"],
)
def test_plan_pages(kind, routes, expected_keys, template, reason):
    plan = plan_pages(make_event(kind), routes=routes)

    assert [(i.escalation_level, i.recipient, i.channel, i.attempt) for i in plan.intents] == expected_keys
    assert {i.template for i in plan.intents} == ({template} if template else set())
    assert plan.reason == reason


def test_intents_carry_the_event_and_its_context():
    event = make_event(EventKind.OPENED, incident_id=12)

    (intent,) = plan_pages(event, routes=DEFAULT_ROUTES).intents

    assert (intent.incident_id, intent.event_id) == (12, event.event_id)
    assert intent.context["title"] == "HighTemperature at site dc1"
    assert intent.context["severity"] == "critical"
    assert intent.context["alert_count"] == 3


def test_default_route_is_the_console_on_call():
    assert DEFAULT_ROUTES == (Route(recipient="on-call", channel="console"),)


def test_planning_is_deterministic():
    event = make_event(EventKind.OPENED)

    assert plan_pages(event, routes=TWO_ROUTES) == plan_pages(event, routes=TWO_ROUTES)
