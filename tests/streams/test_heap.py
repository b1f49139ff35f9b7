"""`tune_collector`: a started process freezes its start-up objects and collects its young generation less often.

Run in a child interpreter, so the test process keeps CPython's defaults.
"""
from __future__ import annotations

import json
import subprocess
import sys

from streams.heap import OLDER_RUNS, YOUNG_OBJECTS, YOUNGER_RUNS

CHILD = """
import gc, json
from streams.heap import tune_collector
before = gc.get_freeze_count()
tune_collector("test")
print(json.dumps({"before": before, "frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()}))
"""


def test_the_start_up_heap_is_frozen_and_young_collections_are_spaced_out() -> None:
    result = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, check=True)
    seen = json.loads(result.stdout)
    assert seen["before"] == 0
    assert seen["frozen"] > 1_000, "every object the imports made is out of the collector's way"
    assert seen["threshold"] == [YOUNG_OBJECTS, YOUNGER_RUNS, OLDER_RUNS]
