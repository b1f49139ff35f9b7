"""I/O: keep the cyclic garbage collector's pauses out of a storm, in a long-running process.

CPython's collector runs a young collection every 700 allocations (net of frees) and a full one
every 100 young ones or so, and a full one walks every tracked object. A worker's start-up leaves
hundreds of thousands of them (modules, faust's and SQLAlchemy's machinery, the topology) that
live as long as the process, and a storm allocates millions more. Measured with `gc.callbacks`
in `bench/stages.py` (docs/benchmarks.md §17), the worker spent 3.6 s collecting over a
20,000-alert storm and its start-up, 2.5 s of it in 22 full collections of ~110 ms, on the one
thread every stage runs on, while no record moved and no acknowledgement was read.

So, once a process has started: what exists is moved into the permanent generation the
collector skips (`gc.freeze`; frozen objects are still freed by reference counting, only their
cycles are not collected), and the young generation holds `YOUNG_OBJECTS` before it is collected,
so every generation is collected ~14 times less often. Full collections still run, every
`OLDER_RUNS` x `YOUNGER_RUNS` young ones, so cycles that survive young collections do not
accumulate. Over that storm and its start-up: 2.5 s of collecting instead of 3.6 s, and all 10
full collections left ran during start-up, none in the storm. Freezing alone left 22 full
collections (3.4 s in all). A young generation of 50,000 left 1.9 s, but made each
middle-generation pass walk up to a million objects, and the p99 of `bench latency --rate 200`
looked worse with it (too few runs to be sure).
"""
from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)

#: Allocations (net of frees) between young collections; CPython's default is 700.
YOUNG_OBJECTS = 10_000
#: Young collections per middle-generation one (default 10).
YOUNGER_RUNS = 10
#: Middle-generation collections per full one (default 10).
OLDER_RUNS = 10


def tune_collector(process: str) -> None:
    """Collect once, freeze what survives, and space out later collections; call when `process` has started."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, YOUNGER_RUNS, OLDER_RUNS)
    log.info("%s: %d start-up objects frozen; collector thresholds %s", process, gc.get_freeze_count(),
             gc.get_threshold())
