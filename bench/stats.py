"""Pure: percentiles and latency summaries of the benchmarks."""
from __future__ import annotations

import math

#: The quantiles a latency summary reports, by name; `max` is the 100th percentile.
QUANTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an already sorted list (the ceil(q * n)-th value); None for an empty one."""
    if not sorted_values:
        return None
    rank = math.ceil(q * len(sorted_values) - 1e-9)  # 0.99 * 100 is 99.00000000000001 in floating point
    return sorted_values[min(len(sorted_values), max(1, rank)) - 1]


def latency_ms(seconds: list[float], quantiles=QUANTILES, digits: int = 1) -> dict[str, float | None]:
    """{quantile name: milliseconds} of latencies given in seconds, in any order; None for each when there are none."""
    values = sorted(seconds)
    return {name: None if not values else round(1000 * percentile(values, q), digits) for name, q in quantiles}
