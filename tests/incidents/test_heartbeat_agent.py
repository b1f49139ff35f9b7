"""The heartbeat timer's guard: a failing tick is logged and counted and never escapes (it would end the faust timer)."""
from __future__ import annotations

import logging

from prometheus_client import REGISTRY
from sqlalchemy.exc import OperationalError

from incidents.heartbeats.agent import run_logged


def failures() -> float:
    return REGISTRY.get_sample_value("alertdesk_heartbeat_check_failures_total") or 0.0


async def test_a_failing_tick_is_logged_and_counted_not_raised(caplog) -> None:
    async def database_away() -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    before = failures()
    with caplog.at_level(logging.ERROR, logger="incidents.heartbeats.agent"):
        assert await run_logged(database_away, "check") is False
    assert failures() == before + 1
    assert "heartbeats: check failed, trying again on the next tick: OperationalError" in caplog.text


async def test_a_tick_that_works_is_not_counted() -> None:
    async def fine() -> list[str]:
        return []

    before = failures()
    assert await run_logged(fine, "check") is True
    assert failures() == before
