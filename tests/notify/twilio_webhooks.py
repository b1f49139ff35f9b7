"""A tiny aiohttp server standing in for alertdesk's `/twilio/...` webhooks, for the Twilio fake's tests.

It checks every request's `X-Twilio-Signature` with the official `RequestValidator` (answering 403
to a bad one, as alertdesk must) and records what arrived, so tests assert on what Twilio sent.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web
from twilio.request_validator import RequestValidator

VOICE_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Say language="zh-CN">机房告警 incident 12</Say>'
    '<Gather action="/twilio/gather/{id}" numDigits="1"><Say>Press 1 to acknowledge.</Say></Gather>'
    "<Say>Goodbye.</Say></Response>"
)
GATHER_TWIML = "<Response><Say>Acknowledged. Thank you.</Say></Response>"
SMS_TWIML = "<Response><Message>Incident 12 acknowledged</Message></Response>"


@dataclass(frozen=True)
class Received:
    """One webhook request: where, with what form parameters, and whether its signature checked out."""

    path: str
    params: dict[str, str]
    signed: bool


@dataclass
class Webhooks:
    """alertdesk's Twilio webhooks. `fail` maps a path to HTTP statuses to answer before answering normally."""

    auth_token: str
    voice_twiml: str = VOICE_TWIML
    received: list[Received] = field(default_factory=list)
    fail: dict[str, list[int]] = field(default_factory=dict)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        """Listen on a free local port; return the base URL."""
        app = web.Application()
        app.router.add_post("/twilio/status/{id}", self._status)
        app.router.add_post("/twilio/voice/{id}", self._voice)
        app.router.add_get("/twilio/voice/{id}", self._voice)  # a call created with method=GET
        app.router.add_post("/twilio/gather/{id}", self._gather)
        app.router.add_post("/twilio/sms", self._sms)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    def on(self, path_prefix: str) -> list[Received]:
        """The requests whose path starts with `path_prefix`, in arrival order."""
        return [item for item in self.received if item.path.startswith(path_prefix)]

    async def _receive(self, request: web.Request) -> web.Response | None:
        """Record the request; return the answer to give instead of the normal one (bad signature, planned failure)."""
        # Twilio signs a GET over the full URL with its query string, and a POST over the URL plus the form.
        form = await request.post() if request.method == "POST" else {}
        signature = request.headers.get("X-Twilio-Signature", "")
        signed = RequestValidator(self.auth_token).validate(str(request.url), form, signature)
        params = form if request.method == "POST" else request.query
        self.received.append(Received(request.path, {key: str(value) for key, value in params.items()}, signed))
        if not signed:
            return web.Response(status=403, text="bad X-Twilio-Signature")
        planned = self.fail.get(request.path)
        return web.Response(status=planned.pop(0), text="planned failure") if planned else None

    async def _answer(self, request: web.Request, normal: web.Response) -> web.Response:
        # Not `failure or normal`: an aiohttp response is a mapping, and an empty one is falsy.
        failure = await self._receive(request)
        return normal if failure is None else failure

    async def _status(self, request: web.Request) -> web.Response:
        return await self._answer(request, web.Response(status=204))

    async def _voice(self, request: web.Request) -> web.Response:
        twiml = self.voice_twiml.replace("{id}", request.match_info["id"])
        return await self._answer(request, web.Response(text=twiml, content_type="text/xml"))

    async def _gather(self, request: web.Request) -> web.Response:
        return await self._answer(request, web.Response(text=GATHER_TWIML, content_type="text/xml"))

    async def _sms(self, request: web.Request) -> web.Response:
        return await self._answer(request, web.Response(text=SMS_TWIML, content_type="text/xml"))
