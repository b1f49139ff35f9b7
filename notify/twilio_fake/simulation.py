"""I/O: what the fake's phones do after Twilio accepts: delivery reports, answered calls, keypresses, replies.

Each script follows the number's `Behaviour` and records everything on the message or call record,
so a test can read back what the callee heard and which webhooks answered what.
"""
from __future__ import annotations

import math
import secrets
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Callable
from urllib.parse import urljoin

from notify.twilio_fake.callbacks import WebhookAnswer, WebhookPoster
from notify.twilio_fake.resources import API_VERSION
from notify.twilio_fake.state import (
    ANSWERED,
    CallOutcome,
    CallRecord,
    Direction,
    FakeState,
    MessageRecord,
    call_progress,
    segment_count,
    sms_progress,
)
from notify.twilio_fake.twiml_reader import TwimlError, VoiceDocument, read_messages, read_voice


def new_sid(prefix: str) -> str:
    """A Twilio-shaped sid: the resource's two letters ("SM", "CA") and 32 hex digits."""
    return prefix + secrets.token_hex(16)


def one_line(text: str) -> str:
    """`text` on one line, for the operator-facing log."""
    return " ".join(text.split())


class Simulator:
    """Plays the far end of messages and calls against alertdesk's webhooks."""

    def __init__(
        self, *, state: FakeState, poster: WebhookPoster, log: Callable[[str], None], now: Callable[[], datetime]
    ) -> None:
        self._state = state
        self._poster = poster
        self._log = log
        self._now = now

    async def deliver_sms(self, record: MessageRecord) -> None:
        """Report the message sent, then delivered (or undelivered, or failed) to its status callback."""
        for status, error_code in sms_progress(self._state.behaviour_for(record.to).sms):
            record.move_to(status, self._now(), error_code)
            if record.status_callback is None:
                continue
            params = {
                "AccountSid": record.account_sid,
                "ApiVersion": API_VERSION,
                "From": record.from_,
                "MessageSid": record.sid,
                "MessageStatus": status,
                "SmsSid": record.sid,
                "SmsStatus": status,
                "To": record.to,
            }
            if error_code is not None:
                params["ErrorCode"] = str(error_code)
            answer = await self._poster.send("status", record.status_callback, params)
            record.callbacks.append(answer.outcome)

    async def place_call(self, record: CallRecord) -> None:
        """Ring, answer (or not), play the TwiML, press the scripted digits, hang up; report each step."""
        behaviour = self._state.behaviour_for(record.to)
        answered_at: datetime | None = None
        for status, event in call_progress(behaviour.call):
            record.move_to(status, self._now())
            extra: dict[str, str] = {}
            if status == ANSWERED:
                answered_at = self._now()
            elif answered_at is not None:  # hung up after a conversation: Twilio bills whole seconds, at least 1
                record.duration_s = max(1, math.ceil((self._now() - answered_at).total_seconds()))
                extra = {"CallDuration": str(record.duration_s)}
            if record.status_callback is not None and (event in record.status_callback_events or event == "completed"):
                params = {**self._call_params(record), "CallbackSource": "call-progress-events", **extra}
                params["SequenceNumber"] = str(sum(outcome.kind == "status" for outcome in record.callbacks))
                params["Timestamp"] = format_datetime(self._now())
                record.callbacks.append((await self._poster.send("status", record.status_callback, params)).outcome)
            if status == ANSWERED:
                await self._converse(record, behaviour.press)
        self._log(self._call_summary(record, behaviour.call))

    async def _converse(self, record: CallRecord, press: str | None) -> None:
        """Fetch the call's TwiML, listen, and if it gathers and a keypress is scripted, press and listen again."""
        params = self._call_params(record)
        answer = await self._poster.send("voice", record.url, params, method=record.method)
        record.callbacks.append(answer.outcome)
        document = self._read_voice(record, answer)
        if document is None:
            return
        record.speech.extend(document.speech)
        if document.gather is None or press is None:
            record.speech.extend(document.after_gather)  # nothing pressed: the call plays on past the gather
            return
        gather = document.gather
        digits = press[: gather.num_digits] if gather.num_digits else press
        record.digits = digits
        # Twilio resolves a relative action against the document's URL; no action means the URL itself.
        action = urljoin(record.url, gather.action) if gather.action else record.url
        answer = await self._poster.send("gather", action, {**params, "Digits": digits}, method=gather.method)
        record.callbacks.append(answer.outcome)
        reply = self._read_voice(record, answer)
        if reply is not None:
            record.replies.extend(reply.speech)

    def _read_voice(self, record: CallRecord, answer: WebhookAnswer) -> VoiceDocument | None:
        """The answer's TwiML, or None with `record.error` saying why the callee heard an application error."""
        if not answer.ok:
            record.error = f"{answer.outcome.kind} webhook {answer.outcome.url} failed: {answer.outcome.error}"
            return None
        try:
            return read_voice(answer.body)
        except TwimlError as exc:
            record.error = f"{answer.outcome.kind} webhook {answer.outcome.url} answered bad TwiML: {exc}"
            return None

    def _call_params(self, record: CallRecord) -> dict[str, str]:
        return {
            "AccountSid": record.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": record.sid,
            "CallStatus": record.status,
            "Direction": "outbound-api",
            "From": record.from_,
            "To": record.to,
        }

    def _call_summary(self, record: CallRecord, outcome: CallOutcome) -> str:
        """One log line: who was called, and what they heard, pressed and heard back."""
        if outcome is not CallOutcome.COMPLETED:
            return f"CALL to {record.to}: {outcome.value}"
        parts = [f'said "{one_line(" ".join(item.text for item in record.speech))}"']
        if record.digits is not None:
            parts.append(f"pressed {record.digits}")
        if record.replies:
            parts.append(f'heard back "{one_line(" ".join(item.text for item in record.replies))}"')
        if record.error is not None:
            parts.append(f"error: {record.error}")
        return f"CALL to {record.to}: " + "; ".join(parts)

    async def receive_sms(
        self, *, sid: str, from_: str, to: str, body: str, webhook: str, account_sid: str
    ) -> MessageRecord:
        """A phone texts alertdesk: post it to the SMS webhook and keep the `<Message>` replies it answers with."""
        now = self._now()
        record = MessageRecord(
            sid=sid,
            account_sid=account_sid,
            to=to,
            from_=from_,
            body=body,
            direction=Direction.INBOUND,
            status_callback=None,
            created_at=now,
            status="received",
        )
        record.move_to("received", now)
        self._state.messages.add(sid, record)
        params = {
            "AccountSid": account_sid,
            "ApiVersion": API_VERSION,
            "Body": body,
            "From": from_,
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": str(segment_count(body)),
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": to,
        }
        answer = await self._poster.send("sms", webhook, params)
        record.callbacks.append(answer.outcome)
        if not answer.ok:
            record.error = f"SMS webhook {webhook} failed: {answer.outcome.error}"
        else:
            try:
                record.replies.extend(read_messages(answer.body))
            except TwimlError as exc:
                record.error = f"SMS webhook {webhook} answered bad TwiML: {exc}"
        replies = f' -> replied "{one_line(" / ".join(record.replies))}"' if record.replies else ""
        error = f" (error: {record.error})" if record.error else ""
        self._log(f"SMS from {from_}: {one_line(body)}{replies}{error}")
        return record


def utc_now() -> datetime:
    """The wall clock, in UTC: the fake is a shell and stamps its records with real time."""
    return datetime.now(UTC)
