"""I/O: run the Twilio fake in-process: start it on a port, get its URL, stop it.

Used by tests (a fresh fake per test, port 0) and by `alertdesk up` (the fake beside the
pipeline, printing each SMS and call so the operator sees the pages).
"""
from __future__ import annotations

import sys
from typing import TextIO

from aiohttp import web

from notify.twilio_fake.app import TwilioApiRoutes, twilio_errors
from notify.twilio_fake.background import BackgroundTasks
from notify.twilio_fake.callbacks import WebhookPoster
from notify.twilio_fake.control import ControlRoutes
from notify.twilio_fake.settings import FakeSettings
from notify.twilio_fake.simulation import Simulator, utc_now
from notify.twilio_fake.state import FakeState

# How long `stop` lets an in-flight REST request (e.g. one delayed by api_delay_s) finish.
SHUTDOWN_TIMEOUT_S = 1.0


class TwilioFake:
    """An HTTP fake of Twilio's Messages and Calls API that calls alertdesk's webhooks back, signed.

    Use as `async with TwilioFake(settings) as fake:` or `await fake.start()` / `await fake.stop()`.
    Each SMS and call is logged as one `[twilio-fake] ...` line on `log` (stdout by default).
    """

    def __init__(self, settings: FakeSettings, *, log: TextIO | None = None) -> None:
        self.settings = settings
        self.state = FakeState(settings.max_records)
        # Resolved at construction, not import, so a redirected sys.stdout is honoured.
        self._stream = log if log is not None else sys.stdout
        self._background = BackgroundTasks(on_error=lambda exc: self._log(f"simulation failed: {exc!r}"))
        self._runner: web.AppRunner | None = None
        self._poster: WebhookPoster | None = None
        self._url: str | None = None

    def _log(self, line: str) -> None:
        self._stream.write(f"[twilio-fake] {line}\n")
        self._stream.flush()

    @property
    def url(self) -> str:
        """The base URL to give `TwilioConfig.api_base_url`, e.g. `http://127.0.0.1:43121`.

        Raises:
            RuntimeError: if the fake is not running.
        """
        if self._url is None:
            raise RuntimeError("the Twilio fake is not running; await start() first")
        return self._url

    async def start(self, *, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on `host:port` (0: a free port) and return the fake's base URL.

        Raises:
            RuntimeError: if it is already running.
            OSError: if the address cannot be bound.
        """
        if self._runner is not None:
            raise RuntimeError(f"the Twilio fake is already running at {self._url}")
        settings = self.settings
        self._poster = WebhookPoster(
            auth_token=settings.auth_token,
            timeout_s=settings.callback_timeout_s,
            max_tries=settings.callback_tries,
            backoff_s=settings.callback_backoff_s,
        )
        simulator = Simulator(state=self.state, poster=self._poster, log=self._log, now=utc_now)
        app = web.Application(middlewares=[twilio_errors])
        TwilioApiRoutes(
            settings=settings,
            state=self.state,
            simulator=simulator,
            background=self._background,
            log=self._log,
            now=utc_now,
        ).add_routes(app.router)
        ControlRoutes(settings=settings, state=self.state, simulator=simulator, background=self._background).add_routes(
            app.router
        )
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_S)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError:
            await runner.cleanup()
            await self._poster.close()
            raise
        self._runner = runner
        bound_host, bound_port = runner.addresses[0][:2]
        self._url = f"http://{bound_host}:{bound_port}"
        return self._url

    async def settle(self, timeout_s: float = 10.0) -> None:
        """Wait until every delivery report and call script in flight has finished.

        Raises:
            TimeoutError: if they are still running after `timeout_s`.
        """
        await self._background.settle(timeout_s)

    async def stop(self) -> None:
        """Stop serving, cancel scripts in flight, and release connections; a stopped fake may start again."""
        if self._runner is None:
            return
        await self._runner.cleanup()
        await self._background.cancel_all()
        if self._poster is not None:
            await self._poster.close()
        self._runner, self._poster, self._url = None, None, None

    async def __aenter__(self) -> TwilioFake:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
