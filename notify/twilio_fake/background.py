"""I/O: the fake's in-flight simulations (delivery reports, call scripts), run after the REST answer.

Twilio answers `201` and reports progress later; the fake does the same in tasks held here, so
`reset` and `stop` can cancel them and tests can wait for them instead of sleeping.
"""
from __future__ import annotations

import asyncio
from typing import Callable, Coroutine


class BackgroundTasks:
    """A set of running tasks that can be waited for or cancelled together.

    A task that fails is reported to `on_error` (the fake's log), so a broken script is seen, not
    silently missing callbacks.
    """

    def __init__(self, on_error: Callable[[BaseException], None]) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._on_error = on_error

    def spawn(self, coroutine: Coroutine[object, object, None]) -> None:
        """Run `coroutine` in the background; the task is forgotten when it finishes."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._on_error(task.exception())

    async def settle(self, timeout_s: float) -> None:
        """Wait until nothing is running, including tasks spawned meanwhile.

        Raises:
            TimeoutError: if tasks are still running after `timeout_s`.
        """
        async with asyncio.timeout(timeout_s):
            while self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)

    async def cancel_all(self) -> None:
        """Cancel every running task and wait until they have stopped."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
