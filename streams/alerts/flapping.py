"""Pure: flap detection for one fingerprint — count its status flips in a time window, with hysteresis.

A flip is a firing→resolved or resolved→firing transition that dedupe accepted (late duplicates
and stale resends are not flips). Prior art is Nagios/Icinga flap detection: the percent of
state changes over the last 21 checks, flapping above a high threshold and back to normal only
below a lower one. Our sources do not report on a fixed check interval, so there is no
denominator for a percentage; this is the count-based variant of the same idea:

* flapping **starts** on the flip that leaves more than `flap_threshold` flips in the last
  `window` (default: a fifth flip within 10 minutes);
* flapping **ends** only when at most `unflap_threshold` flips remain in the last `window` AND
  the last flip is at least `quiet` old (default: at most one flip in 10 minutes, none for 5).

The gap between the two thresholds plus the quiet period is the hysteresis: an alert hovering
around the threshold does not toggle flapping on and off, which would be the very noise flap
detection is there to stop.

Times are the alerts' `received_at` (event time), so replaying a topic reproduces the same flaps.
Nothing here runs on a timer: an end of flapping is noticed when the fingerprint's next alert
arrives, which is soon for sources that resend (Prometheus resends a firing alert every
evaluation interval and a resolved one for 15 minutes) and may be late for sources that do not.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Mapping

from streams.clock import format_instant, parse_instant


class FlapEvent(StrEnum):
    """What one alert did to the fingerprint's flapping."""

    STEADY = "steady"
    STARTED = "started"
    ONGOING = "ongoing"
    ENDED = "ended"


@dataclass(frozen=True)
class FlapPolicy:
    """The thresholds of flap detection (see the module docstring for how they interact)."""

    window: timedelta = timedelta(minutes=10)
    flap_threshold: int = 4
    unflap_threshold: int = 1
    quiet: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        if self.window <= timedelta(0):
            raise ValueError(f"flap window must be positive, got {self.window}")
        if self.quiet <= timedelta(0):
            # A zero quiet period would let the flip that is happening now end flapping.
            raise ValueError(f"flap quiet period must be positive, got {self.quiet}")
        if not 0 <= self.unflap_threshold < self.flap_threshold:
            raise ValueError(
                f"unflap_threshold ({self.unflap_threshold}) must be at least 0 and below "
                f"flap_threshold ({self.flap_threshold}), or flapping could never end or would never hold"
            )

    @property
    def history(self) -> int:
        """How many flips a state keeps: enough to see the threshold crossed, so the list stays bounded."""
        return self.flap_threshold + 1


@dataclass(frozen=True)
class FlapState:
    """The fingerprint's latest flips (oldest first, at most `FlapPolicy.history`) and since when it flaps."""

    flips: tuple[datetime, ...] = ()
    flapping_since: datetime | None = None

    @property
    def flapping(self) -> bool:
        """True from the flip that started flapping until the alert that ended it."""
        return self.flapping_since is not None

    def to_dict(self) -> dict[str, Any]:
        """Encode for the dedupe table."""
        return {
            "flips": [format_instant(flip) for flip in self.flips],
            "flapping_since": format_instant(self.flapping_since) if self.flapping_since else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "FlapState":
        """Decode from the dedupe table."""
        since = data.get("flapping_since")
        return cls(
            flips=tuple(parse_instant(flip) for flip in data.get("flips", ())),
            flapping_since=parse_instant(since) if since else None,
        )


@dataclass(frozen=True)
class FlapStep:
    """The flap state to store and what happened to the flapping."""

    state: FlapState
    event: FlapEvent


def track_flaps(state: FlapState, *, flipped: bool, at: datetime, policy: FlapPolicy) -> FlapStep:
    """Fold one alert received `at` into `state`; `flipped` says whether it changed the fingerprint's status."""
    flips = (state.flips + (at,))[-policy.history:] if flipped else state.flips
    recent = sum(1 for flip in flips if flip > at - policy.window)
    if not state.flapping:
        if flipped and recent > policy.flap_threshold:
            return FlapStep(FlapState(flips, flapping_since=at), FlapEvent.STARTED)
        return FlapStep(FlapState(flips), FlapEvent.STEADY)
    # A flapping state always holds the flip that started it, so flips[-1] exists.
    if recent <= policy.unflap_threshold and at - flips[-1] >= policy.quiet:
        return FlapStep(FlapState(flips), FlapEvent.ENDED)
    return FlapStep(FlapState(flips, state.flapping_since), FlapEvent.ONGOING)
