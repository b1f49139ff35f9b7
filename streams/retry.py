"""Pure: a retry policy — which exceptions are transient, how many tries, and the capped backoff between them."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Which exceptions are worth retrying, and how long to keep trying before giving up."""

    transient: tuple[type[BaseException], ...] = ()
    attempts: int = 6
    first_delay_s: float = 0.1
    max_delay_s: float = 5.0

    def delay(self, attempt: int) -> float:
        """Backoff before retry number `attempt` (1-based), doubling up to the cap."""
        return min(self.max_delay_s, self.first_delay_s * 2 ** (attempt - 1))


NO_RETRY = RetryPolicy()
