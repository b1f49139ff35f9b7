"""The storm `alertdesk bench storm` sends: which alerts, and when each POST goes out."""
from __future__ import annotations

import json

import pytest

from bench.storm_plan import Post, alerts_of, body, schedule, storm


@pytest.mark.parametrize(("total", "rate", "batch", "expected"), [
    (0, 1000, 64, []),
    (1, 1000, 64, [Post(0.0, 0, 1)]),
    # the first alert at once, then 10 per 10-ms tick at 1,000/s
    (25, 1000, 64, [Post(0.0, 0, 1), Post(0.01, 1, 10), Post(0.02, 11, 10), Post(0.03, 21, 4)]),
    # more due in a tick than fit in one POST: several POSTs at the same time
    (12, 1000, 4, [Post(0.0, 0, 1), Post(0.01, 1, 4), Post(0.01, 5, 4), Post(0.01, 9, 2), Post(0.02, 11, 1)]),
    # slower than one per tick: a POST every other tick
    (3, 50, 64, [Post(0.0, 0, 1), Post(0.02, 1, 1), Post(0.04, 2, 1)]),
])
def test_schedule_sends_each_alert_at_its_due_tick_in_posts_of_at_most_batch(total, rate, batch, expected):
    assert schedule(total, rate, batch=batch) == expected


@pytest.mark.parametrize(("total", "rate"), [(100_000, 2000.0), (20_111, 2000.0), (5_000, 700.0)])
def test_schedule_covers_every_alert_once_in_order_and_ends_when_the_rate_says(total, rate):
    posts = schedule(total, rate)
    assert [p.first for p in posts] == [sum(q.count for q in posts[:i]) for i in range(len(posts))]
    assert sum(p.count for p in posts) == total
    assert max(p.count for p in posts) <= 64
    assert [p.at_s for p in posts] == sorted(p.at_s for p in posts)
    assert posts[-1].at_s == pytest.approx((total - 1) / rate, abs=0.011)


@pytest.mark.parametrize(("racks", "hosts", "alerts", "causes"), [
    (4, 20, 204, [("AirConditionerFault", "ac-0"), ("UPSOnBattery", "ups-1")]),
    (200, 40, 20_111, None),  # docs/benchmarks.md §7: the 20,111-alert storm
    (60, 40, 6_034, None),  # §8
])
def test_storm_size_and_causes_first(racks, hosts, alerts, causes):
    made = storm(racks, hosts)
    assert len(made) == alerts == len({(name, instance) for name, instance, _ in made})
    if causes:
        assert [(name, instance) for name, instance, _ in made[:len(causes)]] == causes


def test_a_post_past_the_storms_end_goes_round_again_as_resends():
    alerts = storm(4, 20)
    assert alerts_of(alerts, Post(0.0, len(alerts) - 1, 3)) == [alerts[-1], alerts[0], alerts[1]]


def test_body_is_an_alertmanager_api_v2_array():
    [alert] = json.loads(body([("UPSOnBattery", "ups-1", "critical")], "2026-12-06T03:00:00.000Z"))
    labels = {"alertname": "UPSOnBattery", "instance": "ups-1", "site": "storm", "severity": "critical"}
    assert alert == {"labels": labels, "startsAt": "2026-12-06T03:00:00.000Z"}
