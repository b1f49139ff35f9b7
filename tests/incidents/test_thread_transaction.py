"""`wait_on_loop`: a worker thread runs a coroutine on the event loop and gets its result, its error, or a
timeout that cancels it."""
from __future__ import annotations

import asyncio

import pytest

from incidents.thread_transaction import wait_on_loop


def test_the_result_comes_back_and_the_call_ran_on_the_loop():
    async def scenario() -> tuple[str, bool]:
        loop = asyncio.get_running_loop()

        async def answer() -> bool:
            return asyncio.get_running_loop() is loop

        return await asyncio.to_thread(lambda: ("done", wait_on_loop(loop, answer, 5.0)))

    assert asyncio.run(scenario()) == ("done", True)


def test_the_coroutines_error_reaches_the_thread():
    async def broker_away() -> None:
        raise ConnectionError("broker away")

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        await asyncio.to_thread(wait_on_loop, loop, broker_away, 5.0)

    with pytest.raises(ConnectionError, match="broker away"):
        asyncio.run(scenario())


def test_a_timeout_cancels_the_coroutine():
    cancelled = asyncio.Event()

    async def never_acked() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def scenario() -> BaseException:
        loop = asyncio.get_running_loop()
        try:
            await asyncio.to_thread(wait_on_loop, loop, never_acked, 0.05)
        except TimeoutError as exc:
            await asyncio.wait_for(cancelled.wait(), 5.0)
            return exc
        raise AssertionError("no timeout")

    assert isinstance(asyncio.run(scenario()), TimeoutError)
