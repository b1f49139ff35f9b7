"""The worker's GIL switch interval is the short one its database threads need (streams/gil.py)."""
from __future__ import annotations

import sys

import pytest

from streams.gil import SWITCH_INTERVAL_S, shorten_switch_interval


@pytest.fixture
def restored_interval():
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


def test_the_switch_interval_becomes_a_tenth_of_cpythons_default(restored_interval):
    shorten_switch_interval()
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S)
    assert SWITCH_INTERVAL_S == pytest.approx(0.005 / 10)
