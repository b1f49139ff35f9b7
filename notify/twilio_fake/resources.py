"""Pure: the JSON the fake answers with: Twilio's REST resources and errors, and the `/_fake` views of records.

The REST shapes carry the fields the official client reads, with Twilio's formats (RFC 2822
dates, string counts), so `MessageInstance`/`CallInstance` parse them as they parse Twilio's.
"""
from __future__ import annotations

from email.utils import format_datetime
from typing import Any

from notify.twilio_fake.state import Behaviour, CallbackOutcome, CallRecord, MessageRecord, StatusChange, segment_count
from notify.twilio_fake.twiml_reader import Speech

API_VERSION = "2010-04-01"
_ERROR_MESSAGES = {
    30003: "Unreachable destination handset",
    30008: "Unknown error",
}


def twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    """Twilio's legacy error body, which the client raises as `TwilioRestException(status, code, msg)`."""
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    return {"code": code, "message": message, "more_info": more_info, "status": status}


def _date(record: MessageRecord | CallRecord) -> str:
    return format_datetime(record.created_at)


def _updated(record: MessageRecord | CallRecord) -> str:
    return format_datetime(record.history[-1].at if record.history else record.created_at)


def message_resource(record: MessageRecord) -> dict[str, Any]:
    """A Message as `GET/POST /2010-04-01/Accounts/{sid}/Messages[/{sid}].json` returns it."""
    uri = f"/{API_VERSION}/Accounts/{record.account_sid}/Messages/{record.sid}"
    return {
        "account_sid": record.account_sid,
        "api_version": API_VERSION,
        "body": record.body,
        "date_created": _date(record),
        "date_sent": None,
        "date_updated": _updated(record),
        "direction": record.direction.value,
        "error_code": record.error_code,
        "error_message": _ERROR_MESSAGES.get(record.error_code) if record.error_code else None,
        "from": record.from_,
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": str(segment_count(record.body)),
        "price": None,
        "price_unit": "USD",
        "sid": record.sid,
        "status": record.status,
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": record.to,
        "uri": f"{uri}.json",
    }


def call_resource(record: CallRecord) -> dict[str, Any]:
    """A Call as `GET/POST /2010-04-01/Accounts/{sid}/Calls[/{sid}].json` returns it."""
    uri = f"/{API_VERSION}/Accounts/{record.account_sid}/Calls/{record.sid}"
    return {
        "account_sid": record.account_sid,
        "annotation": None,
        "answered_by": None,
        "api_version": API_VERSION,
        "caller_name": None,
        "date_created": _date(record),
        "date_updated": _updated(record),
        "direction": "outbound-api",
        "duration": None if record.duration_s is None else str(record.duration_s),
        "end_time": None,
        "forwarded_from": None,
        "from": record.from_,
        "from_formatted": record.from_,
        "group_sid": None,
        "parent_call_sid": None,
        "phone_number_sid": None,
        "price": None,
        "price_unit": "USD",
        "queue_time": "0",
        "sid": record.sid,
        "start_time": None,
        "status": record.status,
        "subresource_uris": {"notifications": f"{uri}/Notifications.json", "recordings": f"{uri}/Recordings.json"},
        "to": record.to,
        "to_formatted": record.to,
        "trunk_sid": None,
        "uri": f"{uri}.json",
    }


def _history(changes: list[StatusChange]) -> list[dict[str, str]]:
    return [{"status": change.status, "at": change.at.isoformat()} for change in changes]


def _callbacks(outcomes: list[CallbackOutcome]) -> list[dict[str, Any]]:
    return [
        {
            "kind": outcome.kind,
            "url": outcome.url,
            "params": dict(outcome.params),
            "http_status": outcome.http_status,
            "tries": outcome.tries,
            "error": outcome.error,
        }
        for outcome in outcomes
    ]


def _speech(speech: list[Speech]) -> list[dict[str, str | None]]:
    return [{"text": item.text, "language": item.language} for item in speech]


def message_view(record: MessageRecord) -> dict[str, Any]:
    """A message as `GET /_fake/messages` lists it: the resource plus its history, callbacks and replies."""
    return {
        **message_resource(record),
        "status_callback": record.status_callback,
        "history": _history(record.history),
        "callbacks": _callbacks(record.callbacks),
        "replies": list(record.replies),
        "error": record.error,
    }


def call_view(record: CallRecord) -> dict[str, Any]:
    """A call as `GET /_fake/calls` lists it: the resource plus history, callbacks, speech, digits, replies."""
    return {
        **call_resource(record),
        "url": record.url,
        "method": record.method,
        "status_callback": record.status_callback,
        "status_callback_events": list(record.status_callback_events),
        "history": _history(record.history),
        "callbacks": _callbacks(record.callbacks),
        "speech": _speech(record.speech),
        "digits": record.digits,
        "replies": _speech(record.replies),
        "error": record.error,
    }


def behaviour_view(behaviour: Behaviour) -> dict[str, Any]:
    """A number's script as `POST /_fake/behaviour` echoes it back."""
    return {
        "sms": behaviour.sms.value,
        "call": behaviour.call.value,
        "press": behaviour.press,
        "api_errors": behaviour.api_errors,
        "api_delay_s": behaviour.api_delay_s,
    }
