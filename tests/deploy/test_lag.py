"""Consumer lag and record counts from offsets (streams/lag.py): table-driven, no broker."""
from __future__ import annotations

import pytest

from streams.lag import Partition, PartitionLag, consumer_lags, records_held

RAW0, RAW1, EVENTS0 = Partition("a.alerts.raw", 0), Partition("a.alerts.raw", 1), Partition("a.incidents.events", 0)


@pytest.mark.parametrize(
    ("committed", "ends", "earliest", "expected"),
    [
        pytest.param({RAW0: 10}, {RAW0: 10}, {}, [0], id="caught up"),
        pytest.param({RAW0: 7}, {RAW0: 10}, {}, [3], id="three behind"),
        pytest.param({RAW0: None}, {RAW0: 10}, {RAW0: 4}, [6], id="never committed counts from the earliest offset"),
        pytest.param({RAW0: 12}, {RAW0: 10}, {}, [0], id="stale end offset is no negative lag"),
        pytest.param({}, {RAW0: 10}, {}, [], id="nothing assigned"),
    ],
)
def test_lag_of_one_partition(committed, ends, earliest, expected):
    assert [lag.lag for lag in consumer_lags(committed, ends, earliest)] == expected


def test_lags_are_ordered_by_topic_then_partition_and_only_for_the_assignment():
    lags = consumer_lags({EVENTS0: 1, RAW1: 5, RAW0: 0}, {EVENTS0: 1, RAW0: 2, RAW1: 9, Partition("x", 0): 50}, {})
    assert lags == [PartitionLag(RAW0, 2), PartitionLag(RAW1, 4), PartitionLag(EVENTS0, 0)]


def test_an_assigned_partition_without_an_end_offset_is_an_error_not_a_zero():
    with pytest.raises(KeyError):
        consumer_lags({RAW0: 1}, {}, {})


@pytest.mark.parametrize(
    ("earliest", "ends", "expected"),
    [
        pytest.param({RAW0: 0, RAW1: 0}, {RAW0: 0, RAW1: 0}, 0, id="empty"),
        pytest.param({RAW0: 0, RAW1: 0}, {RAW0: 2, RAW1: 3}, 5, id="summed over partitions"),
        pytest.param({RAW0: 40, RAW1: 0}, {RAW0: 42, RAW1: 1}, 3, id="retention deleted the first forty"),
    ],
)
def test_records_held(earliest, ends, expected):
    assert records_held(earliest, ends) == expected
