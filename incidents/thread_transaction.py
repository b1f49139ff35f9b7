"""I/O: a transaction that waits for the broker runs whole in one worker thread.

Why: SQLite has one write lock, and asyncio's default executor has a handful of threads (six on
two cores). A transaction that begins in one `asyncio.to_thread` call, awaits a publish on the
event loop, and commits in a second `to_thread` call needs a *free* thread to commit. Under load
every thread can already be parked in `BEGIN IMMEDIATE`, waiting for the very lock that
transaction holds: nothing moves until SQLite's busy timeout (30 s) fails the waiters — the
~30-s stalls of `alertdesk bench latency --rate 200` (docs/benchmarks.md §12). Begin, work,
publish and commit in one thread call instead, the holder of the lock never waits for a thread:
the thread hands each publish to the event loop and blocks until the broker has answered.
"""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, TypeVar

T = TypeVar("T")


def wait_on_loop(loop: asyncio.AbstractEventLoop, call: Callable[[], Awaitable[T]], timeout_s: float) -> T:
    """Call `call` on `loop` from a worker thread, wait for what it returns, and return the result.

    `call` itself runs on the loop too: a publisher may touch loop-bound state before its first await.

    Raises:
        TimeoutError: if it did not finish within `timeout_s` (it is cancelled).
        Exception: whatever `call` raised.
    """

    async def on_loop() -> T:
        return await call()

    future = asyncio.run_coroutine_threadsafe(on_loop(), loop)
    try:
        return future.result(timeout_s)
    except TimeoutError:
        future.cancel()
        raise
