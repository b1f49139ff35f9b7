"""Pure: the sign-in throttle — too many failed sign-ins for one username from one address, and it must wait.

A guesser gets `max_failures` tries per `window` for each (username, address); the next try is
refused until the oldest failure leaves the window, and the answer says how long that is
(`Retry-After`). A successful sign-in clears the pair. The state is per worker and bounded: past
`max_keys` pairs, the pair whose last failure is oldest is forgotten first, so a spray of names
cannot grow memory without end. Time is a parameter: the caller passes `now`.
"""
from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

#: Who is trying: (username, client address).
LoginKey = tuple[str, str]


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failed sign-ins a (username, address) may make within `window`, and how many pairs are kept."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=5)
    max_keys: int = 10_000

    def __post_init__(self) -> None:
        if self.max_failures < 1:
            raise ValueError(f"ThrottlePolicy: max_failures must be at least 1, got {self.max_failures}")
        if self.window <= timedelta(0):
            raise ValueError(f"ThrottlePolicy: window must be positive, got {self.window}")
        if self.max_keys < 1:
            raise ValueError(f"ThrottlePolicy: max_keys must be at least 1, got {self.max_keys}")


class LoginThrottle:
    """Recent failed sign-ins per (username, address), in memory; not thread-safe (the caller locks)."""

    def __init__(self, policy: ThrottlePolicy = ThrottlePolicy()) -> None:
        self.policy = policy
        self._failures: OrderedDict[LoginKey, deque[datetime]] = OrderedDict()

    def retry_after(self, key: LoginKey, now: datetime) -> timedelta | None:
        """How long `key` must wait before its next try, or None when it may try now."""
        failures = self._failures.get(key)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.policy.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        if len(failures) < self.policy.max_failures:
            return None
        return failures[0] + self.policy.window - now

    def failed(self, key: LoginKey, now: datetime) -> None:
        """Count a failed sign-in of `key` at `now`."""
        failures = self._failures.pop(key, None) or deque(maxlen=self.policy.max_failures)
        failures.append(now)
        self._failures[key] = failures  # now the most recent pair
        while len(self._failures) > self.policy.max_keys:
            self._failures.popitem(last=False)

    def succeeded(self, key: LoginKey) -> None:
        """A successful sign-in: forget `key`'s failures."""
        self._failures.pop(key, None)

    def __len__(self) -> int:
        """How many pairs are remembered."""
        return len(self._failures)
