"""Pure: checks and conversions every parser shares, each failing with a `ParseError` that names the field.

Parsing is the hot path of ingest (64-alert bodies at tens of thousands of alerts per second),
so these are plain isinstance checks rather than a schema engine. Every input is bounded: a
body, a label set or a string larger than the limits below is refused with the limit named.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from streams.alerts.model import Severity
from streams.alerts.parsers.errors import ParseError
from streams.clock import parse_instant

MAX_ALERTS = 1000
MAX_PAIRS = 128
MAX_NAME_CHARS = 256
MAX_VALUE_CHARS = 16384

LOCATION_KEYS = ("site", "room", "row", "rack")

# Labels that name "which thing" in Prometheus-style label sets, most specific first.
RESOURCE_LABELS = ("instance", "resource", "device", "host")

# What sources write in a `severity` label, folded onto our five levels. Keys are lowercase.
SEVERITY_WORDS: Mapping[str, Severity] = {
    **dict.fromkeys(("critical", "page", "emergency", "disaster"), Severity.CRITICAL),
    **dict.fromkeys(("major", "high", "error"), Severity.MAJOR),
    **dict.fromkeys(("minor", "average"), Severity.MINOR),
    **dict.fromkeys(("warning", "warn"), Severity.WARNING),
    **dict.fromkeys(("info", "informational", "none", "low"), Severity.INFO),
}

# Go marshals an unset time.Time as this; Alertmanager treats it as "not given".
_GO_ZERO_TIME = datetime.min.year


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def load_json(body: str) -> Any:
    """Decode `body`, refusing NaN/Infinity (which Go senders never produce), absurd nesting and lone surrogates.

    Raises:
        ParseError: "body is not valid JSON: <decoder message>".
    """
    try:
        data = json.loads(body, parse_constant=_reject_constant)
    except ValueError as exc:
        raise ParseError(f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ParseError("body is not valid JSON: nested too deeply") from None
    # Python decodes an unpaired "\ud800" escape into a string that cannot be encoded as UTF-8,
    # so it would crash the fingerprint and the topic encoder far downstream. Only bodies with
    # such an escape (or such a character, from a Python caller) pay for the walk.
    if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(data):
        raise ParseError("body is not valid JSON: it has an unpaired UTF-16 surrogate escape (\\udXXX)")
    return data


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(data: Any) -> bool:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def json_type(value: Any) -> str:
    """Name a decoded JSON value's type the way the sender wrote it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def alert_items(data: Any, *, allow_object: bool) -> list[Any]:
    """Return the list of alert items in a decoded body, bounded by `MAX_ALERTS`.

    Raises:
        ParseError: if the body is not an array (or, when allowed, an object) or is too large.
    """
    if allow_object and isinstance(data, dict):
        return [data]
    if not isinstance(data, list):
        wanted = "a JSON object or an array of objects" if allow_object else "a JSON array of alerts"
        raise ParseError(f"body must be {wanted}, got {json_type(data)}")
    if len(data) > MAX_ALERTS:
        raise ParseError(f"body has {len(data)} alerts; at most {MAX_ALERTS} are accepted per request")
    return data


def require_object(item: Any, where: str) -> dict[str, Any]:
    """Return `item` if it is a JSON object, else raise a `ParseError` naming `where`."""
    if not isinstance(item, dict):
        raise ParseError(f"{where}: must be a JSON object, got {json_type(item)}")
    return item


def text(value: Any, where: str, field: str, *, limit: int = MAX_VALUE_CHARS) -> str:
    """Return `value` if it is a string of at most `limit` characters.

    Raises:
        ParseError: naming `field` when the type or the size is wrong.
    """
    if not isinstance(value, str):
        raise ParseError(f"{where}: '{field}' must be a string, got {json_type(value)}")
    if len(value) > limit:
        raise ParseError(f"{where}: '{field}' is {len(value)} characters; at most {limit} are accepted")
    return value


def string_map(value: Any, where: str, field: str) -> dict[str, str]:
    """Return `value` as a str->str dict, bounded in pairs and sizes; `None` gives `{}`.

    Raises:
        ParseError: naming the offending key as `field.key`.
    """
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ParseError(f"{where}: '{field}' must be an object of string values, got {json_type(value)}")
    if len(value) > MAX_PAIRS:
        raise ParseError(f"{where}: '{field}' has {len(value)} entries; at most {MAX_PAIRS} are accepted")
    for key, item in value.items():
        if not key or len(key) > MAX_NAME_CHARS:
            raise ParseError(f"{where}: '{field}' has a key of {len(key)} characters; keys need 1 to {MAX_NAME_CHARS}")
        if not isinstance(item, str):
            raise ParseError(f"{where}: '{field}.{key}' must be a string, got {json_type(item)}")
        if len(item) > MAX_VALUE_CHARS:
            raise ParseError(
                f"{where}: '{field}.{key}' is {len(item)} characters; at most {MAX_VALUE_CHARS} are accepted"
            )
    return value


def instant(value: Any, where: str, field: str) -> datetime | None:
    """Return an RFC 3339 timestamp as aware UTC; `None` and Go's zero time mean "not given".

    Raises:
        ParseError: naming `field` when it is not a string or not a timestamp with a timezone.
    """
    if value is None:
        return None
    raw = text(value, where, field, limit=64)
    try:
        parsed = parse_instant(raw)
    except (ValueError, OverflowError) as exc:
        raise ParseError(f"{where}: '{field}' is not an RFC 3339 timestamp ({raw!r}): {exc}") from None
    return None if parsed.year == _GO_ZERO_TIME else wire_precision(parsed)


def wire_precision(value: datetime) -> datetime:
    """Truncate to milliseconds, the precision of `format_instant`, so an alert survives a topic unchanged.

    Prometheus sends nanoseconds; without this an alert compared before and after its trip
    through Kafka would differ (and dedupe would see a "new" start time).
    """
    return value.replace(microsecond=value.microsecond - value.microsecond % 1000)


def check_order(starts_at: datetime, ends_at: datetime | None, where: str, start: str, end: str) -> None:
    """Refuse an alert that ends before it starts, as Alertmanager does.

    Raises:
        ParseError: naming both fields.
    """
    if ends_at is not None and ends_at < starts_at:
        raise ParseError(f"{where}: '{end}' ({ends_at.isoformat()}) is before '{start}' ({starts_at.isoformat()})")


def location_of(labels: Mapping[str, str]) -> dict[str, str]:
    """Return the site/room/row/rack labels that are present, in that order."""
    return {key: labels[key] for key in LOCATION_KEYS if key in labels}


def severity_of(label: str | None) -> Severity:
    """Fold a source's `severity` label onto our scale (case-insensitive); missing or unknown is warning."""
    if label is None:
        return Severity.WARNING
    return SEVERITY_WORDS.get(label.strip().lower(), Severity.WARNING)


def resource_of(labels: Mapping[str, str], default: str) -> str:
    """Return the first of `RESOURCE_LABELS` present in `labels`, else `default`."""
    return next((labels[key] for key in RESOURCE_LABELS if key in labels), default)


@dataclass(frozen=True)
class LabelledAlert:
    """What every Prometheus-family alert carries (API v2 and the webhooks alike), checked."""

    labels: dict[str, str]
    name: str
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None
    generator_url: str | None


def labelled_alert(
    item: Mapping[str, Any], where: str, received_at: datetime, *, ends_at_default: datetime | None = None
) -> LabelledAlert:
    """Check the labels, alertname, annotations, times and generator URL of one alert object.

    Empty-valued labels are dropped, as Alertmanager does before fingerprinting. A missing
    `startsAt` means `received_at`; a missing `endsAt` means `ends_at_default`.

    Raises:
        ParseError: naming the field of `where` that is missing or wrong.
    """
    if "labels" not in item:
        raise ParseError(f"{where}: 'labels' is required")
    labels = {key: value for key, value in string_map(item["labels"], where, "labels").items() if value}
    name = labels.get("alertname")
    if not name:
        raise ParseError(f"{where}: 'labels.alertname' is required")
    annotations = string_map(item.get("annotations"), where, "annotations")
    starts_at = instant(item.get("startsAt"), where, "startsAt") or received_at
    ends_at = instant(item.get("endsAt"), where, "endsAt") or ends_at_default
    check_order(starts_at, ends_at, where, "startsAt", "endsAt")
    generator_url = item.get("generatorURL")
    if generator_url is not None:
        generator_url = text(generator_url, where, "generatorURL") or None
    return LabelledAlert(labels, name, annotations, starts_at, ends_at, generator_url)
