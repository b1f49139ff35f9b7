"""Rate limits per contact method, and routing incidents to policies."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from notify.directory import DEFAULT_RATE_LIMITS, RateLimit
from notify.routing import policy_for
from notify.throttle import next_allowed
from tests.notify.directories import directory

T0 = datetime(2026, 1, 1, 3, 0, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)


def test_first_message_goes_at_once():
    assert next_allowed([], DEFAULT_RATE_LIMITS, T0) is None


def test_one_a_minute():
    assert next_allowed([T0], DEFAULT_RATE_LIMITS, T0 + 30 * timedelta(seconds=1)) == T0 + MINUTE
    assert next_allowed([T0], DEFAULT_RATE_LIMITS, T0 + MINUTE) is None


def test_three_in_fifteen_minutes_holds_the_fourth_until_the_oldest_leaves_the_window():
    sent = [T0, T0 + 2 * MINUTE, T0 + 4 * MINUTE]
    assert next_allowed(sent, DEFAULT_RATE_LIMITS, T0 + 6 * MINUTE) == T0 + 15 * MINUTE


def test_limits_with_no_count_are_ignored():
    assert next_allowed([T0], (RateLimit(0, MINUTE),), T0) is None


def test_routes_match_every_field_and_fall_back_to_the_default():
    d = directory()
    assert policy_for(d, {"category": "power", "priority": "P1"}).id == "power"
    assert policy_for(d, {"category": "power", "priority": "P3"}).id == "machine-room"
    assert policy_for(d, {}).id == "machine-room"
