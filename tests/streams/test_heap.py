"""`tune_collector` and `collect_full`: a started worker freezes its start-up heap and runs full collections itself.

Run in a child interpreter, so the test process keeps CPython's defaults.
"""
from __future__ import annotations

import json
import subprocess
import sys

CHILD = """
import gc, json
from streams.heap import NO_AUTOMATIC_FULL, collect_full, tune_collector
young, middle, _ = gc.get_threshold()
tune_collector("test")
frozen, threshold = gc.get_freeze_count(), list(gc.get_threshold())
full_before = gc.get_stats()[2]["collections"]

class Node:
    pass

for _ in range(50_000):   # cycles that outlive the young collections: garbage only a full collection frees
    a, b = Node(), Node()
    a.other, b.other = b, a
automatic = gc.get_stats()[2]["collections"] - full_before
collect_full()
print(json.dumps({"frozen": frozen, "threshold": threshold, "expected": [young, middle, NO_AUTOMATIC_FULL],
                  "automatic_full": automatic, "after_collect_full": gc.get_stats()[2]["collections"] - full_before}))
"""


def test_a_started_process_freezes_its_heap_and_collects_in_full_only_when_asked() -> None:
    result = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, check=True)
    seen = json.loads(result.stdout)
    assert seen["frozen"] > 1_000, "every object the imports made is out of the collector's way"
    assert seen["threshold"] == seen["expected"], "the young thresholds stay CPython's, the full one is out of reach"
    assert seen["automatic_full"] == 0, "100,000 objects in cycles start no full collection by themselves"
    assert seen["after_collect_full"] == 1
