"""I/O: the worker's full garbage collections run on a timer, not in the middle of a storm.

CPython collects its young generations every ~700 allocations (cheap: they hold only new
objects) and, once enough objects have survived into the old generation, a full collection that
walks every tracked object the process holds. A storm both allocates fast and makes the heap
grow fast (every alert's dedupe state, its correlation member), so that is exactly when full
collections come: counted with `gc.callbacks` in the worker during `bench/stages.py` (docs/benchmarks.md §18),
7 of them ran inside one 20,000-alert storm, 140 ms growing to 256 ms each, 1.3 s of a ~4.4 s
storm in which no stage moved, on the one thread every stage runs on.

So, once the worker has started, what exists is collected once and frozen (`gc.freeze`: moved
into the permanent generation the collector skips; reference counting still frees those objects),
automatic full collections are off (the third threshold out of reach), and the worker runs one
itself every `FULL_COLLECTION_S` seconds, so cycles that outlive the young collections are still
freed. The pause is the same as before, once a minute instead of several times per storm.

Tried before (docs/benchmarks.md §17) and not kept: a young generation of 10,000 or 50,000
objects. It made every middle-generation pass walk up to a million objects, and the p99 at
200 alerts/s looked worse. The young thresholds stay CPython's here.
"""
from __future__ import annotations

import gc
import logging
import time

import faust

log = logging.getLogger(__name__)

#: Seconds between the worker's own full collections.
FULL_COLLECTION_S = 60.0
#: A third threshold no count of middle-generation collections reaches: no automatic full collection.
NO_AUTOMATIC_FULL = 2**31 - 1


def tune_collector(process: str) -> None:
    """Collect once, freeze what survives, and leave full collections to `collect_full`; call once started."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, NO_AUTOMATIC_FULL)
    log.info("%s: %d start-up objects frozen; full collections every %.0f s", process, gc.get_freeze_count(),
             FULL_COLLECTION_S)


def collect_full() -> float:
    """Run a full collection now; return how long it paused the process, in seconds."""
    started = time.perf_counter()
    gc.collect(2)
    return time.perf_counter() - started


def register_full_collections(app: faust.App) -> None:
    """Add the timer that runs the worker's full collections to `app`."""

    @app.timer(FULL_COLLECTION_S)
    async def full_collection() -> None:
        log.debug("full collection took %.3f s", collect_full())
