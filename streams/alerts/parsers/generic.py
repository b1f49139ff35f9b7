"""Pure: parse alertdesk's generic JSON alert shape (docs/generic-json.md) into `Alert`s.

The shape is for senders with no format of their own: scripts, building-management systems,
sensor gateways. It is strict, because the sender is ours to fix: unknown keys, wrong types and
bad values are refused with the field named. Its JSON Schema is
`streams/alerts/schemas/generic.schema.json`; a test keeps the two in step.

Identity. An alert's label set is its `labels` plus `alertname` (= `name`), `resource` and
whichever of `site`, `room`, `row`, `rack` are given (a key given both ways must agree). The
fingerprint is Alertmanager's fingerprint of that set, so the same label set sent by Prometheus
and by a script is one alert. When the sender has its own dedupe key (`id`), the fingerprint is
instead the fingerprint of `{"__source__": <source>, "__source_id__": <id>}`: the `__` names
cannot occur in a Prometheus label set, so such ids never collide with label-set fingerprints,
and ids of different sources never collide with each other.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from streams.alerts.fingerprint import label_fingerprint
from streams.alerts.model import Alert, AlertStatus, Severity
from streams.alerts.parsers.errors import ParseError
from streams.alerts.parsers.fields import (
    LOCATION_KEYS,
    MAX_NAME_CHARS,
    alert_items,
    check_order,
    instant,
    json_type,
    load_json,
    location_of,
    require_object,
    string_map,
    text,
    wire_precision,
)

REQUIRED_FIELDS = frozenset({"name", "resource"})
FIELDS = REQUIRED_FIELDS | {
    "id", "status", "severity", "site", "room", "row", "rack",
    "labels", "annotations", "value", "starts_at", "ends_at",
}
_ALLOWED = ", ".join(sorted(FIELDS))
_STATUSES = {status.value: status for status in AlertStatus}
_SEVERITIES = {severity.value: severity for severity in Severity}


def parse_generic(body: str, *, received_at: datetime, source: str) -> list[Alert]:
    """Parse a generic JSON body: one alert object, or an array of at most 1000 of them.

    Args:
        body: the request body as received.
        received_at: when the receiver accepted the body; the default `starts_at`, and the
            `ends_at` of a resolved alert that gives none.
        source: the source name recorded on every alert and namespacing `id`.

    Returns:
        One `Alert` per object, in order.

    Raises:
        ParseError: when any object can never be a valid alert; the reason names the object's
            0-based index (#0 for a single object) and the field.
    """
    received_at = wire_precision(received_at)
    items = alert_items(load_json(body), allow_object=True)
    return [_alert(item, f"alert #{index}", received_at, source) for index, item in enumerate(items)]


def _alert(item: Any, where: str, received_at: datetime, source: str) -> Alert:
    item = require_object(item, where)
    unknown = item.keys() - FIELDS
    if unknown:
        raise ParseError(f"{where}: unknown field '{min(unknown)}'; allowed fields are {_ALLOWED}")
    missing = REQUIRED_FIELDS - item.keys()
    if missing:
        raise ParseError(f"{where}: '{min(missing)}' is required")
    name = _required_name(item, where, "name")
    resource = _required_name(item, where, "resource")
    labels = _identity_labels(item, where, name, resource)
    annotations = string_map(item.get("annotations"), where, "annotations")
    status = _choice(item.get("status", "firing"), where, "status", _STATUSES)
    starts_at = instant(item.get("starts_at"), where, "starts_at") or received_at
    ends_at = instant(item.get("ends_at"), where, "ends_at")
    if status is AlertStatus.RESOLVED and ends_at is None:
        ends_at = received_at
    check_order(starts_at, ends_at, where, "starts_at", "ends_at")
    source_id = item.get("id")
    if source_id is not None:
        source_id = text(source_id, where, "id", limit=MAX_NAME_CHARS)
    fingerprint = label_fingerprint(
        {"__source__": source, "__source_id__": source_id} if source_id else labels
    )
    return Alert(
        fingerprint=fingerprint,
        source=source,
        status=status,
        severity=_choice(item.get("severity", "warning"), where, "severity", _SEVERITIES),
        name=name,
        resource=resource,
        location=location_of(labels),
        labels=labels,
        annotations=annotations,
        starts_at=starts_at,
        received_at=received_at,
        ends_at=ends_at,
        value=_value(item.get("value"), where),
    )


def _required_name(item: dict[str, Any], where: str, field: str) -> str:
    value = text(item[field], where, field, limit=MAX_NAME_CHARS)
    if not value.strip():
        raise ParseError(f"{where}: '{field}' must not be empty")
    return value


def _identity_labels(item: dict[str, Any], where: str, name: str, resource: str) -> dict[str, str]:
    labels = {key: value for key, value in string_map(item.get("labels"), where, "labels").items() if value}
    fields = {"alertname": ("name", name), "resource": ("resource", resource)}
    for key in LOCATION_KEYS:
        if item.get(key) is not None:
            fields[key] = (key, text(item[key], where, key, limit=MAX_NAME_CHARS))
    for key, (field, value) in fields.items():
        if not value:
            continue
        if labels.get(key, value) != value:
            raise ParseError(
                f"{where}: 'labels.{key}' is {labels[key]!r} but '{field}' is {value!r}; give it once"
            )
        labels[key] = value
    return labels


def _choice(value: Any, where: str, field: str, choices: dict[str, Any]) -> Any:
    if not isinstance(value, str) or value not in choices:
        shown = repr(value) if isinstance(value, str) else json_type(value)
        raise ParseError(f"{where}: '{field}' must be one of {', '.join(choices)}, got {shown}")
    return choices[value]


def _value(value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return text(value, where, "value") if value else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ParseError(f"{where}: 'value' must be a string or a number, got {json_type(value)}")
