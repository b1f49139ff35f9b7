"""I/O: the fake's Twilio REST API routes: create and fetch Messages and Calls.

REST requests are checked like Twilio checks them (basic auth, required fields, E.164 `To`) and
answered in Twilio's JSON shapes, including its error bodies, so the official client raises the
same `TwilioRestException` it would raise against Twilio.
"""
from __future__ import annotations

import asyncio
import hmac
from datetime import datetime
from typing import Any, Callable
from urllib.parse import urlsplit

from aiohttp import BasicAuth, web

from notify.twilio_fake.background import BackgroundTasks
from notify.twilio_fake.resources import API_VERSION, call_resource, message_resource, twilio_error
from notify.twilio_fake.settings import FakeSettings
from notify.twilio_fake.simulation import Simulator, new_sid, one_line
from notify.twilio_fake.state import E164, MAX_BODY_CHARS, CallRecord, Direction, FakeState, MessageRecord

CALL_EVENTS = frozenset({"initiated", "ringing", "answered", "completed"})


class TwilioError(Exception):
    """A request Twilio would refuse; becomes Twilio's JSON error answer."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _callback_url(value: object, name: str) -> str | None:
    """A webhook URL parameter, checked like Twilio checks it (error 21609); None when not given."""
    if not value:
        return None
    text = str(value)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TwilioError(400, 21609, f"The {name} URL {text!r} is not a valid http(s) URL.")
    return text


@web.middleware
async def twilio_errors(request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
    """Answer a `TwilioError` with Twilio's JSON error body and status."""
    try:
        return await handler(request)
    except TwilioError as exc:
        headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if exc.status == 401 else None
        body = twilio_error(exc.status, exc.code, exc.message)
        return web.json_response(body, status=exc.status, headers=headers)


class TwilioApiRoutes:
    """Twilio's REST endpoints over the fake's state; `simulator` plays each message and call in `background`."""

    def __init__(
        self,
        *,
        settings: FakeSettings,
        state: FakeState,
        simulator: Simulator,
        background: BackgroundTasks,
        log: Callable[[str], None],
        now: Callable[[], datetime],
    ) -> None:
        self._settings = settings
        self._state = state
        self._simulator = simulator
        self._background = background
        self._log = log
        self._now = now

    def add_routes(self, router: web.UrlDispatcher) -> None:
        """Serve Twilio's Messages and Calls endpoints; pair with the `twilio_errors` middleware."""
        accounts = f"/{API_VERSION}/Accounts/{{account_sid}}"
        router.add_post(f"{accounts}/Messages.json", self.create_message)
        router.add_get(f"{accounts}/Messages/{{sid}}.json", self.fetch_message)
        router.add_post(f"{accounts}/Calls.json", self.create_call)
        router.add_get(f"{accounts}/Calls/{{sid}}.json", self.fetch_call)

    def _authenticate(self, request: web.Request) -> None:
        """Basic auth must be our account sid and auth token, and the path must name that account."""
        try:
            auth = BasicAuth.decode(request.headers.get("Authorization", ""))
        except ValueError:
            raise TwilioError(401, 20003, "Authenticate: missing or malformed basic auth") from None
        valid = hmac.compare_digest(auth.login, self._settings.account_sid) and hmac.compare_digest(
            auth.password, self._settings.auth_token
        )
        if not valid or request.match_info["account_sid"] != self._settings.account_sid:
            raise TwilioError(401, 20003, "Authenticate: account sid or auth token is wrong")

    async def _admit(self, to: str) -> None:
        """Apply the number's scripted delay and 503s, then check `To` as Twilio does."""
        behaviour = self._state.behaviour_for(to)
        if behaviour.api_delay_s:
            await asyncio.sleep(behaviour.api_delay_s)
        if self._state.take_api_error(to):
            raise TwilioError(503, 20503, "Service Unavailable (scripted by /_fake/behaviour api_errors)")
        if not to:
            raise TwilioError(400, 21604, "A 'To' phone number is required.")
        if not E164.fullmatch(to):
            raise TwilioError(400, 21211, f"The 'To' number {to} is not a valid phone number.")

    async def create_message(self, request: web.Request) -> web.Response:
        """`POST Messages.json`: accept an SMS, answer 201 queued, report delivery in the background."""
        self._authenticate(request)
        form = await request.post()
        to, from_, body = str(form.get("To", "")), str(form.get("From", "")), str(form.get("Body", ""))
        await self._admit(to)
        if not from_:
            raise TwilioError(400, 21603, "A 'From' phone number is required.")
        if not body:
            raise TwilioError(400, 21602, "Message body is required.")
        if len(body) > MAX_BODY_CHARS:
            raise TwilioError(400, 21617, f"The message body exceeds the {MAX_BODY_CHARS} character limit.")
        now = self._now()
        record = MessageRecord(
            sid=new_sid("SM"),
            account_sid=self._settings.account_sid,
            to=to,
            from_=from_,
            body=body,
            direction=Direction.OUTBOUND,
            status_callback=_callback_url(form.get("StatusCallback"), "StatusCallback"),
            created_at=now,
            status="queued",
        )
        record.move_to("queued", now)
        self._state.messages.add(record.sid, record)
        self._log(f"SMS to {to}: {one_line(body)}")
        self._background.spawn(self._simulator.deliver_sms(record))
        return web.json_response(message_resource(record), status=201)

    async def create_call(self, request: web.Request) -> web.Response:
        """`POST Calls.json`: accept a call, answer 201 queued, ring and talk to the TwiML URL in the background."""
        self._authenticate(request)
        form = await request.post()
        to, from_ = str(form.get("To", "")), str(form.get("From", ""))
        await self._admit(to)
        if not from_:
            raise TwilioError(400, 21603, "A 'From' phone number is required.")
        url = _callback_url(form.get("Url"), "Url")
        if url is None:
            raise TwilioError(400, 21205, "Url parameter is required (the fake does not take Twiml or ApplicationSid).")
        method = str(form.get("Method", "POST")).upper()
        if method not in ("GET", "POST"):
            raise TwilioError(400, 21207, f"Method must be GET or POST, got {method!r}.")
        # Twilio accepts the events repeated or space-separated in one value.
        events = tuple(event for value in form.getall("StatusCallbackEvent", []) for event in str(value).split())
        unknown = sorted(set(events) - CALL_EVENTS)
        if unknown:
            raise TwilioError(400, 21626, f"Invalid StatusCallbackEvent {unknown}; allowed: {sorted(CALL_EVENTS)}.")
        now = self._now()
        record = CallRecord(
            sid=new_sid("CA"),
            account_sid=self._settings.account_sid,
            to=to,
            from_=from_,
            url=url,
            method=method,
            status_callback=_callback_url(form.get("StatusCallback"), "StatusCallback"),
            status_callback_events=events,
            created_at=now,
            status="queued",
        )
        record.move_to("queued", now)
        self._state.calls.add(record.sid, record)
        self._background.spawn(self._simulator.place_call(record))
        return web.json_response(call_resource(record), status=201)

    async def fetch_message(self, request: web.Request) -> web.Response:
        """`GET Messages/{sid}.json`: the message as it stands now."""
        self._authenticate(request)
        record = self._state.messages.get(request.match_info["sid"])
        if record is None:
            raise TwilioError(404, 20404, f"The requested resource {request.path} was not found")
        return web.json_response(message_resource(record))

    async def fetch_call(self, request: web.Request) -> web.Response:
        """`GET Calls/{sid}.json`: the call as it stands now."""
        self._authenticate(request)
        record = self._state.calls.get(request.match_info["sid"])
        if record is None:
            raise TwilioError(404, 20404, f"The requested resource {request.path} was not found")
        return web.json_response(call_resource(record))
