"""Pure: mean, median and 90th percentile of durations, the numbers MTTA and MTTR are reported with.

The percentile is nearest-rank (the smallest value at least p % of the values do not exceed), so
every reported p90 is a time one incident really took — and a hand count over a sorted list
gives the same answer as the report. The median of an even count is the mean of the middle two.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Timing:
    """Statistics of a set of durations in seconds; every value None when the set is empty."""

    count: int
    mean_s: float | None
    median_s: float | None
    p90_s: float | None

    def to_dict(self) -> dict[str, float | int | None]:
        """JSON-ready."""
        return {"count": self.count, "mean_s": self.mean_s, "median_s": self.median_s, "p90_s": self.p90_s}


def timing(values: Iterable[float | None]) -> Timing:
    """Statistics of the values that are not None (unacknowledged or unresolved incidents are left out)."""
    known = sorted(value for value in values if value is not None)
    if not known:
        return Timing(0, None, None, None)
    return Timing(len(known), statistics.fmean(known), statistics.median(known), percentile(known, 90))


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending, non-empty list.

    Raises:
        ValueError: if the list is empty or `p` is not in (0, 100].
    """
    if not ordered:
        raise ValueError("percentile of no values")
    if not 0 < p <= 100:
        raise ValueError(f"percentile {p} is not in (0, 100]")
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]
