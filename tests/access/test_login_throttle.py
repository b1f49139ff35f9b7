"""access/login_throttle.py: failures per (username, address) in a sliding window, at fixed instants."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from access.login_throttle import LoginThrottle, ThrottlePolicy

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
KEY = ("oli", "10.0.0.7")
POLICY = ThrottlePolicy(max_failures=5, window=timedelta(minutes=5), max_keys=3)


def throttle_failed_at(*minutes: float, key=KEY) -> LoginThrottle:
    """A throttle with failures of `key` at T0 + each of `minutes`."""
    throttle = LoginThrottle(POLICY)
    for minute in minutes:
        throttle.failed(key, T0 + timedelta(minutes=minute))
    return throttle


@pytest.mark.parametrize(
    ("failures", "asked_at", "wait"),
    [
        ((), 0, None),  # never failed
        ((0, 1, 2, 3), 3, None),  # four failures: a fifth try is allowed
        ((0, 1, 2, 3, 4), 4, timedelta(minutes=1)),  # five: wait until the first leaves the window
        ((0, 1, 2, 3, 4), 4.5, timedelta(minutes=0.5)),
        ((0, 1, 2, 3, 4), 5, None),  # the first failure left the window: four remain
        ((0, 0, 0, 0, 0, 0, 0), 1, timedelta(minutes=4)),  # more than five: the last five count
        ((0, 1, 2, 3, 10), 10, None),  # old failures expire: only one in the window
    ],
)
def test_retry_after(failures, asked_at, wait) -> None:
    assert throttle_failed_at(*failures).retry_after(KEY, T0 + timedelta(minutes=asked_at)) == wait


def test_a_success_clears_the_pair_and_other_pairs_are_apart() -> None:
    throttle = throttle_failed_at(0, 0, 0, 0, 0)
    at = T0 + timedelta(minutes=1)
    assert throttle.retry_after(("oli", "10.0.0.8"), at) is None  # same name, other address
    assert throttle.retry_after(("vic", "10.0.0.7"), at) is None  # same address, other name
    throttle.succeeded(KEY)
    assert throttle.retry_after(KEY, at) is None


def test_memory_is_bounded_and_the_oldest_failing_pair_goes_first() -> None:
    throttle = throttle_failed_at(0, 0, 0, 0, 0)
    for n, user in enumerate(("a", "b", "c"), start=1):
        throttle.failed((user, "10.0.0.9"), T0 + timedelta(seconds=n))
    assert len(throttle) == 3
    assert throttle.retry_after(KEY, T0 + timedelta(minutes=1)) is None  # forgotten: max_keys is 3
    assert throttle.retry_after(("a", "10.0.0.9"), T0 + timedelta(minutes=1)) is None


def test_expired_pairs_are_forgotten_when_asked() -> None:
    throttle = throttle_failed_at(0)
    assert throttle.retry_after(KEY, T0 + timedelta(minutes=6)) is None
    assert len(throttle) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"max_failures": 0}, "max_failures must be at least 1"),
        ({"window": timedelta(0)}, "window must be positive"),
        ({"max_keys": 0}, "max_keys must be at least 1"),
    ],
)
def test_bad_policies_are_refused(fields, message) -> None:
    with pytest.raises(ValueError, match=message):
        ThrottlePolicy(**fields)
