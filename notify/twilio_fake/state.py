"""Pure: the Twilio fake's memory: scripted behaviour per number, message and call records, bounded ledgers.

Records are the fake's live ledger, so unlike most of alertdesk's dataclasses they are mutable:
the simulation appends status changes and callback outcomes as a message or call progresses.
The things appended (`StatusChange`, `CallbackOutcome`, `Speech`) are frozen.
"""
from __future__ import annotations

import math
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, Iterator, Mapping, TypeVar

from notify.twilio_fake.twiml_reader import Speech

MAX_RECORDS = 10_000
MAX_BODY_CHARS = 1600  # Twilio's limit for a concatenated SMS body
ANY_NUMBER = "*"
E164 = re.compile(r"\+[1-9]\d{1,14}")
DIGITS = re.compile(r"[0-9*#]{1,20}")


class SmsOutcome(StrEnum):
    """How a scripted SMS ends."""

    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"


class CallOutcome(StrEnum):
    """How a scripted call ends; only `completed` is answered (and fetches TwiML)."""

    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILED = "failed"


class Direction(StrEnum):
    """Twilio's direction field: we send `outbound-api`; phones send us `inbound`."""

    OUTBOUND = "outbound-api"
    INBOUND = "inbound"


@dataclass(frozen=True, kw_only=True)
class Behaviour:
    """What the fake does for one destination number (or for every number, under `*`)."""

    sms: SmsOutcome = SmsOutcome.DELIVERED
    call: CallOutcome = CallOutcome.COMPLETED
    press: str | None = None  # digits the callee presses when the TwiML gathers
    api_errors: int = 0  # the next N REST create calls for the number answer 503
    api_delay_s: float = 0.0  # seconds before answering a REST create call


_BEHAVIOUR_KEYS = {"number", "sms", "call", "press", "api_errors", "api_delay_s"}


def parse_behaviour(payload: object) -> tuple[str, Behaviour]:
    """Read a `POST /_fake/behaviour` body into (number, behaviour); unknown keys and bad values are errors.

    Raises:
        ValueError: naming the key that is missing, unknown or invalid.
    """
    if not isinstance(payload, dict):
        raise ValueError(f"behaviour must be a JSON object, got {type(payload).__name__}")
    unknown = sorted(set(payload) - _BEHAVIOUR_KEYS)
    if unknown:
        raise ValueError(f"unknown behaviour keys {unknown}; allowed: {sorted(_BEHAVIOUR_KEYS)}")
    number = payload.get("number")
    if number != ANY_NUMBER and not (isinstance(number, str) and E164.fullmatch(number)):
        raise ValueError(f"behaviour 'number' must be an E.164 number or '*', got {number!r}")
    press = payload.get("press")
    if press is not None and not (isinstance(press, str) and DIGITS.fullmatch(press)):
        raise ValueError(f"behaviour 'press' must be 1-20 of 0-9 * #, got {press!r}")
    api_errors = payload.get("api_errors", 0)
    if not isinstance(api_errors, int) or isinstance(api_errors, bool) or not 0 <= api_errors <= 1000:
        raise ValueError(f"behaviour 'api_errors' must be an integer 0..1000, got {api_errors!r}")
    delay = payload.get("api_delay_s", 0.0)
    if not isinstance(delay, (int, float)) or isinstance(delay, bool) or not 0 <= delay <= 60:
        raise ValueError(f"behaviour 'api_delay_s' must be seconds 0..60, got {delay!r}")
    return number, Behaviour(
        sms=_enum(SmsOutcome, "sms", payload.get("sms", SmsOutcome.DELIVERED)),
        call=_enum(CallOutcome, "call", payload.get("call", CallOutcome.COMPLETED)),
        press=press,
        api_errors=api_errors,
        api_delay_s=float(delay),
    )


_E = TypeVar("_E", SmsOutcome, CallOutcome)


def _enum(kind: type[_E], key: str, value: object) -> _E:
    """`kind(value)`, or a ValueError naming the key and the allowed values."""
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"behaviour {key!r} must be one of {[v.value for v in kind]}, got {value!r}") from None


@dataclass(frozen=True)
class StatusChange:
    """One step in a message's or call's life, as Twilio names it."""

    status: str
    at: datetime


@dataclass(frozen=True)
class CallbackOutcome:
    """One signed request the fake made to a webhook, and what came of it."""

    kind: str  # "status", "voice", "gather" or "sms"
    url: str
    params: Mapping[str, str]
    http_status: int | None  # None: never answered (connection refused, timeout)
    tries: int
    error: str | None


@dataclass(kw_only=True)
class MessageRecord:
    """An SMS the fake accepted (outbound) or delivered to alertdesk (inbound)."""

    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    direction: Direction
    status_callback: str | None
    created_at: datetime
    status: str
    error_code: int | None = None
    history: list[StatusChange] = field(default_factory=list)
    callbacks: list[CallbackOutcome] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)  # inbound: the <Message> texts our webhook answered
    error: str | None = None  # inbound: why the webhook's answer could not be read

    def move_to(self, status: str, at: datetime, error_code: int | None = None) -> None:
        """Record a status change (and the error code Twilio reports with failures)."""
        self.status = status
        self.error_code = error_code
        self.history.append(StatusChange(status, at))


@dataclass(kw_only=True)
class CallRecord:
    """A phone call the fake placed: its progress, what it heard and what the callee pressed."""

    sid: str
    account_sid: str
    to: str
    from_: str
    url: str
    method: str
    status_callback: str | None
    status_callback_events: tuple[str, ...]
    created_at: datetime
    status: str
    history: list[StatusChange] = field(default_factory=list)
    callbacks: list[CallbackOutcome] = field(default_factory=list)
    speech: list[Speech] = field(default_factory=list)  # what the TwiML said on answering
    digits: str | None = None
    replies: list[Speech] = field(default_factory=list)  # what the gather action's TwiML said back
    duration_s: int | None = None
    error: str | None = None  # why the call script stopped early (bad TwiML, webhook down)

    def move_to(self, status: str, at: datetime) -> None:
        """Record a status change."""
        self.status = status
        self.history.append(StatusChange(status, at))


_R = TypeVar("_R")


class Ledger(Generic[_R]):
    """Records by sid in creation order, keeping the newest `limit` so a long demo has bounded memory."""

    def __init__(self, limit: int = MAX_RECORDS) -> None:
        self._limit = limit
        self._records: OrderedDict[str, _R] = OrderedDict()

    def add(self, sid: str, record: _R) -> None:
        """Keep `record`, dropping the oldest once over the limit."""
        self._records[sid] = record
        while len(self._records) > self._limit:
            self._records.popitem(last=False)

    def get(self, sid: str) -> _R | None:
        """The record with `sid`, if it is still kept."""
        return self._records.get(sid)

    def __iter__(self) -> Iterator[_R]:
        return iter(list(self._records.values()))

    def __len__(self) -> int:
        return len(self._records)

    def clear(self) -> None:
        """Forget every record."""
        self._records.clear()


class FakeState:
    """Everything the fake remembers: records, scripted behaviour, and the 503s still to answer."""

    def __init__(self, limit: int = MAX_RECORDS) -> None:
        self._limit = limit
        self.messages: Ledger[MessageRecord] = Ledger(limit)
        self.calls: Ledger[CallRecord] = Ledger(limit)
        self._behaviours: dict[str, Behaviour] = {}
        self._api_errors_left: dict[str, int] = {}

    def set_behaviour(self, number: str, behaviour: Behaviour) -> None:
        """Script `number` (or `*`), replacing what it had; its 503 budget restarts at `api_errors`.

        Raises:
            ValueError: if this would script more than `limit` numbers.
        """
        if number not in self._behaviours and len(self._behaviours) >= self._limit:
            raise ValueError(f"too many scripted numbers (limit {self._limit}); POST /_fake/reset first")
        self._behaviours[number] = behaviour
        self._api_errors_left[number] = behaviour.api_errors

    def behaviour_for(self, number: str) -> Behaviour:
        """The number's own script, else the `*` script, else deliver everything and answer calls."""
        return self._behaviours.get(number) or self._behaviours.get(ANY_NUMBER) or Behaviour()

    def take_api_error(self, number: str) -> bool:
        """Whether this REST create call for `number` must answer 503 (and spend one from the budget)."""
        key = number if number in self._behaviours else ANY_NUMBER
        left = self._api_errors_left.get(key, 0)
        if left <= 0:
            return False
        self._api_errors_left[key] = left - 1
        return True

    def reset(self) -> None:
        """Forget records and scripts: the state of a freshly started fake."""
        self.messages.clear()
        self.calls.clear()
        self._behaviours.clear()
        self._api_errors_left.clear()


_SMS_PROGRESS: dict[SmsOutcome, tuple[tuple[str, int | None], ...]] = {
    SmsOutcome.DELIVERED: (("sent", None), ("delivered", None)),
    SmsOutcome.UNDELIVERED: (("sent", None), ("undelivered", 30003)),  # 30003: unreachable handset
    SmsOutcome.FAILED: (("failed", 30008),),  # 30008: unknown error; a failed message was never sent
}


def sms_progress(outcome: SmsOutcome) -> tuple[tuple[str, int | None], ...]:
    """The (status, error code) steps a queued message goes through to end as `outcome`."""
    return _SMS_PROGRESS[outcome]


ANSWERED = "in-progress"
_CALL_PROGRESS: dict[CallOutcome, tuple[tuple[str, str], ...]] = {
    CallOutcome.COMPLETED: (
        ("initiated", "initiated"),
        ("ringing", "ringing"),
        (ANSWERED, "answered"),
        ("completed", "completed"),
    ),
    CallOutcome.BUSY: (("initiated", "initiated"), ("ringing", "ringing"), ("busy", "completed")),
    CallOutcome.NO_ANSWER: (("initiated", "initiated"), ("ringing", "ringing"), ("no-answer", "completed")),
    CallOutcome.FAILED: (("initiated", "initiated"), ("failed", "completed")),
}


def call_progress(outcome: CallOutcome) -> tuple[tuple[str, str], ...]:
    """The (CallStatus, StatusCallbackEvent) steps a queued call goes through to end as `outcome`.

    The call is answered, and its TwiML fetched, at the `in-progress` step; the final step is
    reported on the `completed` event whatever the outcome, as Twilio does.
    """
    return _CALL_PROGRESS[outcome]


# GSM 03.38 basic character set; the extension table's characters take two septets each.
_GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = "^{}\\[~]|€\f"


def segment_count(body: str) -> int:
    """How many SMS segments Twilio bills for `body`: GSM-7 160/153 septets, else UCS-2 70/67 characters.

    A Chinese page is UCS-2, so a 100-character body is two segments, not one.
    """
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENDED for ch in body):
        units, single, multi = sum(2 if ch in _GSM7_EXTENDED else 1 for ch in body), 160, 153
    else:
        units, single, multi = sum(2 if ord(ch) > 0xFFFF else 1 for ch in body), 70, 67
    return 1 if units <= single else math.ceil(units / multi)
