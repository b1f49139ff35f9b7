"""I/O: the fake's `/_fake` control API: script numbers, text alertdesk from a phone, read records, reset.

Tests and operators of `alertdesk up` drive the fake through these routes; see docs/twilio-fake.md.
"""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from notify.twilio_fake.background import BackgroundTasks
from notify.twilio_fake.resources import behaviour_view, call_view, message_view
from notify.twilio_fake.settings import FakeSettings
from notify.twilio_fake.simulation import Simulator, new_sid
from notify.twilio_fake.state import E164, MAX_BODY_CHARS, FakeState, parse_behaviour


class ControlRoutes:
    """The `/_fake/...` routes over the fake's state."""

    def __init__(
        self, *, settings: FakeSettings, state: FakeState, simulator: Simulator, background: BackgroundTasks
    ) -> None:
        self._settings = settings
        self._state = state
        self._simulator = simulator
        self._background = background

    def add_routes(self, router: web.UrlDispatcher) -> None:
        """Serve the control API under `/_fake/`."""
        router.add_post("/_fake/behaviour", self.set_behaviour)
        router.add_post("/_fake/inbound", self.inbound_sms)
        router.add_get("/_fake/messages", self.list_messages)
        router.add_get("/_fake/calls", self.list_calls)
        router.add_post("/_fake/reset", self.reset)

    async def set_behaviour(self, request: web.Request) -> web.Response:
        """`POST /_fake/behaviour`: script a number (or `*`); replaces its previous script."""
        try:
            number, behaviour = parse_behaviour(await _json(request))
            self._state.set_behaviour(number, behaviour)
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"number": number, "behaviour": behaviour_view(behaviour)})

    async def inbound_sms(self, request: web.Request) -> web.Response:
        """`POST /_fake/inbound` {"from", "body"}: a phone texts alertdesk; answer with what the webhook replied."""
        webhook = self._settings.sms_webhook
        if webhook is None:
            error = "no SMS webhook configured (start the fake with --sms-webhook)"
            return web.json_response({"error": error}, status=409)
        try:
            payload = await _json(request)
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        error = _inbound_error(payload)
        if error is not None:
            return web.json_response({"error": error}, status=400)
        record = await self._simulator.receive_sms(
            sid=new_sid("SM"),
            from_=payload["from"],
            to=self._settings.phone_number,
            body=payload["body"],
            webhook=webhook,
            account_sid=self._settings.account_sid,
        )
        outcome = record.callbacks[-1]
        return web.json_response(
            {
                "sid": record.sid,
                "webhook_status": outcome.http_status,
                "replies": list(record.replies),
                "error": record.error,
            }
        )

    async def list_messages(self, request: web.Request) -> web.Response:
        """`GET /_fake/messages[?to=+86...]`: every kept message, oldest first, with history and callbacks."""
        to = request.query.get("to")
        views = [message_view(record) for record in self._state.messages if to is None or record.to == to]
        return web.json_response({"messages": views})

    async def list_calls(self, request: web.Request) -> web.Response:
        """`GET /_fake/calls[?to=+86...]`: every kept call, oldest first, with speech, digits and replies."""
        to = request.query.get("to")
        views = [call_view(record) for record in self._state.calls if to is None or record.to == to]
        return web.json_response({"calls": views})

    async def reset(self, request: web.Request) -> web.Response:
        """`POST /_fake/reset`: stop in-flight scripts and forget every record and behaviour."""
        await self._background.cancel_all()
        self._state.reset()
        return web.json_response({"ok": True})


async def _json(request: web.Request) -> Any:
    """The request's JSON body, or a ValueError saying it is not JSON."""
    try:
        return await request.json()
    except json.JSONDecodeError as exc:
        raise ValueError(f"request body is not JSON: {exc}") from None


def _inbound_error(payload: Any) -> str | None:
    """Why an inbound SMS request is invalid, or None."""
    if not isinstance(payload, dict) or set(payload) != {"from", "body"}:
        return 'inbound SMS must be a JSON object with exactly "from" and "body"'
    if not isinstance(payload["from"], str) or not E164.fullmatch(payload["from"]):
        return f'inbound "from" must be an E.164 number, got {payload["from"]!r}'
    if not isinstance(payload["body"], str) or not 0 < len(payload["body"]) <= MAX_BODY_CHARS:
        return f'inbound "body" must be text of 1..{MAX_BODY_CHARS} characters'
    return None

