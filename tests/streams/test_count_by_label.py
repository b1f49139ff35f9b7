"""`count_by_label`: one increment per distinct label, by how often it occurs in the batch."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from streams.metrics import count_by_label


def test_each_label_is_counted_as_often_as_it_occurs() -> None:
    registry = CollectorRegistry()
    changes = Counter("changes_total", "Changes.", ["kind"], registry=registry)
    count_by_label(changes, ["new", "new", "resolved", "new"])
    count_by_label(changes, [])
    assert registry.get_sample_value("changes_total", {"kind": "new"}) == 3
    assert registry.get_sample_value("changes_total", {"kind": "resolved"}) == 1
    assert registry.get_sample_value("changes_total", {"kind": "flapping"}) is None
