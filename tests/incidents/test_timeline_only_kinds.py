"""The writer keeps alert membership on the timeline only: no consumer of `incidents.events` acts on those kinds."""
from __future__ import annotations

from incidents.events import TIMELINE_ONLY_KINDS, EventKind
from notify import paging_events
from runbooks.triggers import EVENT_WHEN


def test_timeline_only_kinds_are_alerts_joining_and_leaving() -> None:
    assert TIMELINE_ONLY_KINDS == {EventKind.ALERT_ATTACHED, EventKind.ALERT_RESOLVED}


def test_no_consumer_handles_a_timeline_only_kind() -> None:
    assert TIMELINE_ONLY_KINDS.isdisjoint(paging_events._EVENT_HANDLERS)
    assert TIMELINE_ONLY_KINDS.isdisjoint(EVENT_WHEN)
