"""I/O: Twilio's webhooks — delivery statuses, the TwiML a page call reads, keypresses, and SMS replies.

Every request must carry a valid `X-Twilio-Signature` for the URL Twilio called (our public
`webhook_base_url` + path) and its form parameters; anything else is answered 403 and changes
nothing. People act through the same lifecycle service as the API (`IncidentActions`), as the
person whose phone number the page went to (or, for an SMS reply, whose number sent it).

    POST /twilio/status/{message_id}        MessageStatus / CallStatus → the outbox row
    POST /twilio/voice/{message_id}         TwiML: read the page, gather one key
    POST /twilio/voice/{message_id}/gather  1 acknowledge · 2 escalate now · 9 repeat
    POST /twilio/sms                        ACK 12 · RES 12 · ESC 12 · 12a · ACK · HELP
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Awaitable, Callable, Mapping

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy.orm import sessionmaker
from twilio.request_validator import RequestValidator

from incidents.action_service import IncidentActions
from notify import provider_events
from notify.directory import Directory
from notify.paging import Paging
from notify.render import render
from notify.replies import ReplyAction, parse_reply
from notify.twiml import gather_twiml, message_twiml, say_twiml
from streams.clock import Clock

_XML = "application/xml"


@dataclass(frozen=True)
class TwilioWebhookConfig:
    """What the webhooks need to know: the auth token signing requests and our public base URL."""

    auth_token: str
    webhook_base_url: str


def twilio_router(
    config: TwilioWebhookConfig,
    *,
    sessions: sessionmaker,
    actions: IncidentActions,
    paging: Paging,
    wake: Callable[[], None],
    clock: Clock,
) -> APIRouter:
    """The router serving Twilio's callbacks."""
    router = APIRouter(prefix="/twilio", tags=["twilio"], include_in_schema=False)
    validator = RequestValidator(config.auth_token)
    base = config.webhook_base_url.rstrip("/")

    async def signed_form(request: Request) -> Mapping[str, str]:
        """The form parameters of a request Twilio really signed; 403 otherwise."""
        form = {key: str(value) for key, value in (await request.form()).items()}
        url = base + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if not validator.validate(url, form, request.headers.get("X-Twilio-Signature", "")):
            raise HTTPException(status_code=403, detail="invalid X-Twilio-Signature")
        return form

    @router.post("/status/{message_id}")
    async def status(message_id: int, request: Request) -> Response:
        """A delivery status for one outbox row (sent, delivered, undelivered, busy, no-answer, completed…)."""
        form = await signed_form(request)
        state = form.get("MessageStatus") or form.get("CallStatus") or ""
        if not state:
            raise HTTPException(status_code=400, detail="MessageStatus or CallStatus is required")
        error = form.get("ErrorCode") or None
        await asyncio.to_thread(
            provider_events.record_status, sessions, message_id=message_id, status=state,
            error=f"twilio error {error}" if error else None, now=clock.now(),
        )
        wake()
        return Response(status_code=204)

    @router.post("/voice/{message_id}")
    async def voice(message_id: int, request: Request) -> Response:
        """The call was answered: read the page and ask for a key."""
        await signed_form(request)
        message = await asyncio.to_thread(provider_events.find_message, sessions, message_id)
        if message is None:
            return _xml(say_twiml(render("reply_not_found", {"incident_id": "", "code": ""}, "en"), "en"))
        action = f"{base}/twilio/voice/{message_id}/gather"
        return _xml(_page_call(message.body, message.language, action))

    @router.post("/voice/{message_id}/gather")
    async def gather(message_id: int, request: Request) -> Response:
        """A key was pressed on the page call."""
        form = await signed_form(request)
        message = await asyncio.to_thread(provider_events.find_message, sessions, message_id)
        if message is None or message.incident_id is None:
            return _xml(say_twiml(render("reply_not_found", {"incident_id": "", "code": ""}, "en"), "en"))
        digits, language = form.get("Digits", ""), message.language
        context = {"incident_id": message.incident_id}
        if digits == "1":
            said = await _act(actions.acknowledge, message.incident_id, message.recipient, "phone")
            return _xml(say_twiml(said or render("voice_ack", context, language), language))
        if digits == "2":
            await asyncio.to_thread(paging.escalate_now, message.incident_id, clock.now())
            wake()
            return _xml(say_twiml(render("voice_escalated", context, language), language))
        action = f"{base}/twilio/voice/{message_id}/gather"
        if digits == "9":
            return _xml(_page_call(message.body, language, action))
        return _xml(_page_call(render("voice_unknown", {}, language), language, action))

    @router.post("/sms")
    async def sms(request: Request) -> Response:
        """An SMS reply from a person's phone: act on the incident it names (or the last one paged to them)."""
        form = await signed_form(request)
        sender = form.get("From", "")
        person = _person_by_phone(paging.directory, sender)
        language = person[1] if person else "zh-CN"
        if person is None:
            return _reply("reply_not_allowed", {"incident_id": ""}, language)
        reply = parse_reply(form.get("Body", ""))
        if reply.action is ReplyAction.HELP:
            return _reply("reply_help", {}, language)
        if reply.action is ReplyAction.UNKNOWN:
            return _reply("reply_unknown", {}, language)
        incident_id = reply.incident_id or _code_incident(reply.code)
        if incident_id is None and reply.code is None:
            last = await asyncio.to_thread(provider_events.latest_page_to, sessions, sender)
            incident_id = last.incident_id if last else None
        title = None if incident_id is None else await asyncio.to_thread(provider_events.incident_title, sessions, incident_id)
        if incident_id is None or title is None:
            return _reply("reply_not_found", {"incident_id": incident_id or "", "code": reply.code or ""}, language)
        context = {"incident_id": incident_id, "title": title}
        if reply.action is ReplyAction.ESCALATE:
            escalated = await asyncio.to_thread(paging.escalate_now, incident_id, clock.now())
            wake()
            return _reply("reply_escalated" if escalated else "reply_already_closed", context, language)
        act = actions.acknowledge if reply.action is ReplyAction.ACK else actions.resolve
        refused = await _act(act, incident_id, person[0], "sms")
        if refused is not None:
            return _xml(message_twiml(refused))
        return _reply("reply_acknowledged" if reply.action is ReplyAction.ACK else "reply_resolved", context, language)

    return router


async def _act(action: Callable[..., Awaitable[object]], incident_id: int, actor: str, via: str) -> str | None:
    """Run a lifecycle action as `actor`; None when it was done, else the refusal in words (already acknowledged…)."""
    try:
        await action(incident_id, actor=actor, via=via)
    except ValueError as refused:  # IllegalTransition, IncidentNotFound: the message is for the person
        return str(refused)
    return None


def _code_incident(code: str | None) -> int | None:
    """A short code is the incident number followed by the action letter ("12a"), so its digits name the incident."""
    return int(code) if code and code.isdigit() else None


def _reply(template: str, context: Mapping[str, object], language: str) -> Response:
    """An SMS answer rendered from a template."""
    return _xml(message_twiml(render(template, context, language)))


def _page_call(text: str, language: str, action: str) -> str:
    """The TwiML of a page call: read the page, gather one key, say goodbye if none comes."""
    return gather_twiml(text, language, action, goodbye=render("voice_no_input", {}, language))


def _person_by_phone(directory: Directory, phone: str) -> tuple[str, str] | None:
    """(person id, language) of the person with an SMS or voice contact on `phone`."""
    for person in directory.people.values():
        if any(method.address == phone and method.kind in ("sms", "voice") for method in person.contacts):
            return person.id, person.language
    return None


def _xml(body: str) -> Response:
    """A TwiML answer."""
    return Response(content=body, media_type=_XML)
