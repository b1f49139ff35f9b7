"""I/O: the worker's GIL switch interval, short, so its database threads are not starved by the event loop.

One thread of the worker runs the event loop and with it every stage of the alert path. The
pager, the escalation timers, the dispatcher, the runbook trigger and the API run their
transactions in threads. Each SQLite, socket or pipe call releases the GIL, and a thread that
wants it back waits up to the interpreter's switch interval (5 ms by default) for a busy event
loop to let go. A transaction of some fifty such calls then took 200 ms and more while 20
incidents opened at once, and for all that time it held SQLite's one write lock, for which the
incident writer (its own process, docs/workers.md) waited: alert → incident p99 0.8–1.1 s at
200 alerts/s, all of it in the storm's first second (docs/benchmarks.md §19).

At `SWITCH_INTERVAL_S` such a thread gets the GIL back within half a millisecond. The event
loop pays a few more switches; `bench/stages.py` showed no loss of throughput from it (§19).
"""
from __future__ import annotations

import sys

#: Seconds a thread that wants the GIL waits before it asks the holder to let go (CPython's default: 0.005).
SWITCH_INTERVAL_S = 0.0005


def shorten_switch_interval(interval_s: float = SWITCH_INTERVAL_S) -> None:
    """Set the interpreter's switch interval for this process (call once, in the worker)."""
    sys.setswitchinterval(interval_s)
