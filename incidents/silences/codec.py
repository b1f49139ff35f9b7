"""Pure: JSON shapes of silences, maintenance windows and safety exceptions, for the API, the CLI and the rows.

Silences use Alertmanager's API shape (camelCase, matchers as {"name", "value", "isRegex",
"isEqual"}) so scripts written for Alertmanager need few changes; a matcher may also be a string
in amtool's syntax. Windows and exceptions are alertdesk's own and use snake_case like the
incident API. Every decoding error is a `ValueError` whose message starts with the field.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Mapping, TypeVar

from streams.alerts.maintenance import (
    WEEKDAY_NAMES,
    Frequency,
    MaintenanceWindow,
    Recurrence,
    parse_weekdays,
    zone,
)
from streams.alerts.matchers import Matcher, MatchOp, format_matcher, parse_matcher
from streams.alerts.safety import SafetyException
from streams.alerts.silences import Silence
from streams.clock import format_instant, parse_instant

_DURATION_PART = re.compile(r"(\d+)([wdhms])")
_DURATION_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_T = TypeVar("_T")


def parse_duration(text: str, field: str = "duration") -> timedelta:
    """Read `2h`, `90m`, `1d12h`, `1w` (units w d h m s, as amtool) into a positive timedelta.

    Raises:
        ValueError: "duration: '2 hours' is not like 2h, 90m or 1d12h".
    """
    compact = text.strip()
    parts = _DURATION_PART.findall(compact)
    if not compact or "".join(number + unit for number, unit in parts) != compact:
        raise ValueError(f"{field}: {text!r} is not like 2h, 90m or 1d12h")
    total = sum((timedelta(**{_DURATION_UNITS[unit]: int(number)}) for number, unit in parts), timedelta())
    if total <= timedelta():
        raise ValueError(f"{field}: must be longer than zero")
    return total


def parse_local_instant(text: str, timezone_name: str, field: str) -> datetime:
    """Read an ISO 8601 time; one without an offset is local time in `timezone_name` ("2026-03-10 02:00").

    Raises:
        ValueError: naming `field`, for text that is not a time.
    """
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{field}: {text!r} is not an ISO 8601 time like 2026-03-10T02:00") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone(timezone_name))
    return value.astimezone(timezone.utc)


def matcher_from_json(item: Any, field: str) -> Matcher:
    """A matcher from Alertmanager's object or an amtool string such as `alertname=~"UPS.*"`."""
    if isinstance(item, str):
        return _checked(field, lambda: parse_matcher(item))
    if not isinstance(item, Mapping):
        raise ValueError(f'{field}: expected an object {{"name", "value", "isRegex"}} or a string like site="dc1"')
    name, value = _text(item, "name", field), _text(item, "value", field, allow_empty=True)
    is_regex, is_equal = _flag(item, "isRegex", field, False), _flag(item, "isEqual", field, True)
    op = {(False, True): MatchOp.EQUAL, (False, False): MatchOp.NOT_EQUAL,
          (True, True): MatchOp.REGEX, (True, False): MatchOp.NOT_REGEX}[is_regex, is_equal]
    return _checked(field, lambda: Matcher(name, op, value))


def matcher_to_json(matcher: Matcher) -> dict[str, Any]:
    """Alertmanager's matcher object."""
    return {"name": matcher.name, "value": matcher.value, "isRegex": matcher.op.is_regex,
            "isEqual": not matcher.op.is_negative}


def matchers_from_json(items: Any, field: str = "matchers", *, required: bool = True) -> tuple[Matcher, ...]:
    """A list of matchers (objects or strings)."""
    if items is None and not required:
        return ()
    if not isinstance(items, list) or (required and not items):
        raise ValueError(f"{field}: expected a non-empty list of matchers")
    return tuple(matcher_from_json(item, f"{field}[{index}]") for index, item in enumerate(items))


def silence_from_json(payload: Any, *, silence_id: str, now: datetime) -> Silence:
    """A new silence from `{"matchers", "startsAt"?, "endsAt" | "duration", "createdBy", "comment"}`."""
    body = _object(payload)
    starts_at = _instant(body, "startsAt") if body.get("startsAt") is not None else now
    if body.get("endsAt") is not None:
        ends_at = _instant(body, "endsAt")
    elif body.get("duration") is not None:
        ends_at = starts_at + parse_duration(_text(body, "duration", ""), "duration")
    else:
        raise ValueError("endsAt: give endsAt (RFC 3339) or duration (like 2h)")
    return _checked("", lambda: Silence(
        id=silence_id, matchers=matchers_from_json(body.get("matchers")), starts_at=starts_at, ends_at=ends_at,
        created_by=_text(body, "createdBy", ""), comment=_text(body, "comment", ""), created_at=now,
    ))


def silence_to_json(silence: Silence, now: datetime) -> dict[str, Any]:
    """Alertmanager's gettable silence, plus the matchers as text and who expired it."""
    return {
        "id": silence.id,
        "matchers": [matcher_to_json(matcher) for matcher in silence.matchers],
        "matchersText": [format_matcher(matcher) for matcher in silence.matchers],
        "startsAt": format_instant(silence.starts_at),
        "endsAt": format_instant(silence.effective_end),
        "createdBy": silence.created_by,
        "comment": silence.comment,
        "createdAt": format_instant(silence.created_at),
        "expiredBy": silence.expired_by,
        "status": {"state": silence.state(now).value},
    }


def window_from_json(payload: Any, *, window_id: str, now: datetime) -> MaintenanceWindow:
    """A new window from `{"components", "starts_at", "ends_at" | "duration", "timezone", "recurrence"?, ...}`.

    Times without an offset are local to `timezone` (default UTC).
    """
    body = _object(payload)
    timezone_name = _text(body, "timezone", "") if body.get("timezone") is not None else "UTC"
    _checked("", lambda: zone(timezone_name))
    starts_at = parse_local_instant(_text(body, "starts_at", ""), timezone_name, "starts_at")
    if body.get("ends_at") is not None:
        ends_at = parse_local_instant(_text(body, "ends_at", ""), timezone_name, "ends_at")
    elif body.get("duration") is not None:
        ends_at = starts_at + parse_duration(_text(body, "duration", ""))
    else:
        raise ValueError("ends_at: give ends_at or duration (like 4h)")
    return _checked("", lambda: MaintenanceWindow(
        id=window_id, components=_texts(body, "components"), starts_at=starts_at, ends_at=ends_at,
        recurrence=_recurrence(body.get("recurrence")), timezone=timezone_name,
        created_by=_text(body, "created_by", ""), reason=_text(body, "reason", ""), created_at=now,
    ))


def window_to_json(window: MaintenanceWindow) -> dict[str, Any]:
    """The window as the API lists it (the next occurrences are added by the caller, who knows `now`)."""
    recurrence = window.recurrence
    return {
        "id": window.id,
        "components": list(window.components),
        "starts_at": format_instant(window.starts_at),
        "ends_at": format_instant(window.ends_at),
        "timezone": window.timezone,
        "recurrence": None if recurrence is None else {
            "frequency": recurrence.frequency.value,
            "weekdays": [WEEKDAY_NAMES[day] for day in recurrence.weekdays],
            "until": None if recurrence.until is None else recurrence.until.isoformat(),
        },
        "created_by": window.created_by,
        "reason": window.reason,
        "created_at": format_instant(window.created_at),
        "cancelled_at": None if window.cancelled_at is None else format_instant(window.cancelled_at),
    }


def exception_from_json(payload: Any, *, exception_id: str, now: datetime) -> SafetyException:
    """A new, unapproved exception from `{"safety_class", "matchers"?, "components"?, "starts_at"?, "ends_at", ...}`."""
    body = _object(payload)
    starts_at = _instant(body, "starts_at") if body.get("starts_at") is not None else now
    if body.get("ends_at") is None:
        raise ValueError("ends_at: an exception needs an end (RFC 3339)")
    return _checked("", lambda: SafetyException(
        id=exception_id, safety_class=_text(body, "safety_class", ""),
        matchers=matchers_from_json(body.get("matchers"), required=False),
        components=_texts(body, "components", required=False), starts_at=starts_at, ends_at=_instant(body, "ends_at"),
        requested_by=_text(body, "requested_by", ""), reason=_text(body, "reason", ""), created_at=now,
    ))


def exception_to_json(exception: SafetyException, now: datetime) -> dict[str, Any]:
    """The exception as the API lists it, with whether it is in force at `now`."""
    return {
        "id": exception.id,
        "safety_class": exception.safety_class.value,
        "matchers": [format_matcher(matcher) for matcher in exception.matchers],
        "components": list(exception.components),
        "starts_at": format_instant(exception.starts_at),
        "ends_at": format_instant(exception.ends_at),
        "requested_by": exception.requested_by,
        "reason": exception.reason,
        "created_at": format_instant(exception.created_at),
        "approved_by": exception.approved_by,
        "approved_at": None if exception.approved_at is None else format_instant(exception.approved_at),
        "revoked_at": None if exception.revoked_at is None else format_instant(exception.revoked_at),
        "active": exception.is_active(now),
    }


def _recurrence(value: Any) -> Recurrence | None:
    if value is None:
        return None
    body = _object(value, "recurrence")
    frequency = _text(body, "frequency", "recurrence")
    if frequency not in tuple(Frequency):
        raise ValueError(f"recurrence.frequency: {frequency!r} is not daily or weekly")
    weekdays = body.get("weekdays") or []
    if not isinstance(weekdays, list) or not all(isinstance(day, str) for day in weekdays):
        raise ValueError('recurrence.weekdays: expected a list like ["mon", "thu"]')
    until = None
    if body.get("until") is not None:
        until = _checked("recurrence.until", lambda: date.fromisoformat(_text(body, "until", "recurrence")))
    days = _checked("recurrence", lambda: parse_weekdays(",".join(weekdays))) if weekdays else ()
    return _checked("", lambda: Recurrence(Frequency(frequency), days, until))


def _checked(field: str, build: Callable[[], _T]) -> _T:
    """Run `build`, prefixing a ValueError's message with `field` when it does not name one yet."""
    try:
        return build()
    except ValueError as exc:
        message = str(exc)
        raise ValueError(f"{field}: {message}" if field and not message.startswith(field) else message) from None


def _object(payload: Any, field: str = "body") -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise ValueError(f"{field}: expected a JSON object")
    return payload


def _text(body: Mapping[str, Any], key: str, parent: str, *, allow_empty: bool = False) -> str:
    where = f"{parent}.{key}" if parent else key
    value = body.get(key)
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise ValueError(f"{where}: expected a non-empty string" if not allow_empty else f"{where}: expected a string")
    return value


def _texts(body: Mapping[str, Any], key: str, *, required: bool = True) -> tuple[str, ...]:
    value = body.get(key)
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError(f"{key}: expected a list of non-empty strings")
    return tuple(value)


def _flag(body: Mapping[str, Any], key: str, parent: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"{parent}.{key}: must be true or false")
    return value


def _instant(body: Mapping[str, Any], key: str) -> datetime:
    return _checked(key, lambda: parse_instant(_text(body, key, "")))
