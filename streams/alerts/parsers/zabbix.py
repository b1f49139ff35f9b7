"""Pure: parse the JSON the alertdesk Zabbix media type posts (deploy/zabbix/alertdesk_mediatype.yaml) into an `Alert`.

Zabbix has no webhook payload of its own: a media type declares parameters (name -> macro) and
a script that posts them. Ours posts one JSON object per event, every parameter a string (the
expanded macro) except `event_tags`, and leaves out parameters whose macro did not expand.
docs/sources.md has the parameter table; the fields are:

    event_id            {EVENT.ID}            required  digits; the problem's id, also on its recovery
    event_value         {EVENT.VALUE}         required  "1" problem (firing), "0" recovery (resolved)
    event_name          {EVENT.NAME}          required  -> name (label alertname, annotation summary)
    host_name           {HOST.NAME}           required  -> resource (label host)
    event_nseverity     {EVENT.NSEVERITY}     optional  "0".."5" -> severity (see below)
    event_severity      {EVENT.SEVERITY}      optional  display name -> label zabbix_severity; severity
                                                        when event_nseverity is absent
    event_timestamp     {EVENT.TIMESTAMP}     optional  Unix seconds -> starts_at (default: received)
    recovery_timestamp  {EVENT.RECOVERY.TIMESTAMP} optional  Unix seconds -> ends_at of a recovery
    event_tags          {EVENT.TAGSJSON}      optional  [{"tag", "value"}] -> labels; tags site, room,
                                                        row, rack give the location
    event_opdata        {EVENT.OPDATA}        optional  -> value
    host_ip             {HOST.IP}             optional  -> label host_ip
    host_groups         {TRIGGER.HOSTGROUP.NAME} optional -> label host_group
    trigger_id          {TRIGGER.ID}          optional  -> label zabbix_trigger_id
    trigger_description {TRIGGER.DESCRIPTION} optional  -> annotation description
    event_url           (built by the script from {$ZABBIX.URL}) optional -> generator_url
    zabbix_server       (free text)           optional  namespaces event ids of several servers

Identity. The fingerprint is `label_fingerprint({"__source__": <source>, "__source_id__": <id>})`
with id = event_id (or "<zabbix_server>:<event_id>"), as for generic JSON alerts with an `id`:
a problem and its recovery carry the same {EVENT.ID}, so they are one alert, whatever their
names or tags. Timestamps are Unix seconds because {EVENT.DATE}/{EVENT.TIME} are in the Zabbix
server's local time with no offset.

Severity (Zabbix's numbers; the names are the defaults and their Chinese UI translations):

    5 Disaster / 灾难             -> critical
    4 High / 严重                 -> major
    3 Average / 一般严重          -> minor
    2 Warning / 警告              -> warning
    1 Information / 信息, 0 Not classified / 未分类 -> info

Unknown keys are ignored, so an operator may add parameters to the media type without every
event being refused.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

from streams.alerts.fingerprint import label_fingerprint
from streams.alerts.model import Alert, AlertStatus, Severity
from streams.alerts.parsers.errors import ParseError
from streams.alerts.parsers.fields import (
    MAX_NAME_CHARS,
    MAX_PAIRS,
    check_order,
    json_type,
    load_json,
    location_of,
    text,
    wire_precision,
)

WHERE = "event"
_VALUES: Mapping[str, AlertStatus] = {"1": AlertStatus.FIRING, "0": AlertStatus.RESOLVED}
_NSEVERITY: Mapping[str, Severity] = {
    "0": Severity.INFO, "1": Severity.INFO, "2": Severity.WARNING,
    "3": Severity.MINOR, "4": Severity.MAJOR, "5": Severity.CRITICAL,
}
_SEVERITY_NAMES: Mapping[str, Severity] = {
    **dict.fromkeys(("not classified", "未分类", "information", "信息"), Severity.INFO),
    **dict.fromkeys(("warning", "警告"), Severity.WARNING),
    **dict.fromkeys(("average", "一般严重"), Severity.MINOR),
    **dict.fromkeys(("high", "严重"), Severity.MAJOR),
    **dict.fromkeys(("disaster", "灾难"), Severity.CRITICAL),
}
# Our own labels win over event tags of the same name: they are what the desk groups and shows by.
_OPTIONAL_LABELS = (("host_ip", "host_ip"), ("host_groups", "host_group"), ("trigger_id", "zabbix_trigger_id"),
                    ("event_severity", "zabbix_severity"))
# Ten digits of seconds reach the year 2286; more is not a Zabbix timestamp.
_MAX_TIMESTAMP_DIGITS = 10


def parse_zabbix(body: str, *, received_at: datetime, source: str) -> list[Alert]:
    """Parse one Zabbix event as posted by the alertdesk media type.

    Args:
        body: the request body as received, one JSON object.
        received_at: when the receiver accepted the body; the default start, and the end of a
            recovery that gives no `recovery_timestamp`.
        source: the source name recorded on the alert and namespacing the event id.

    Returns:
        A list of one `Alert`.

    Raises:
        ParseError: when the body can never be a valid event; the reason names the field.
    """
    received_at = wire_precision(received_at)
    data = load_json(body)
    if not isinstance(data, dict):
        raise ParseError(f"body must be a JSON object (one Zabbix event), got {json_type(data)}")
    event_id = _required(data, "event_id")
    if not event_id.isascii() or not event_id.isdigit():
        raise ParseError(f"{WHERE}: 'event_id' must be the digits of {{EVENT.ID}}, got {event_id[:80]!r}")
    status = _choice(data, "event_value", _VALUES, "1 (problem) or 0 (recovery)")
    name = _required(data, "event_name")
    host = _required(data, "host_name")
    labels = _tags(data.get("event_tags"))
    for field, label in _OPTIONAL_LABELS:
        value = _optional(data, field)
        if value:
            labels[label] = value
    labels.update({"alertname": name, "host": host, "zabbix_event_id": event_id})
    starts_at = _timestamp(data, "event_timestamp") or received_at
    ends_at = _timestamp(data, "recovery_timestamp") if status is AlertStatus.RESOLVED else None
    if status is AlertStatus.RESOLVED and ends_at is None:
        ends_at = received_at
    check_order(starts_at, ends_at, WHERE, "event_timestamp", "recovery_timestamp")
    server = _optional(data, "zabbix_server")
    annotations = {"summary": name}
    description = _optional(data, "trigger_description")
    if description:
        annotations["description"] = description
    return [
        Alert(
            fingerprint=label_fingerprint(
                {"__source__": source, "__source_id__": f"{server}:{event_id}" if server else event_id}
            ),
            source=source,
            status=status,
            severity=_severity(data),
            name=name,
            resource=host,
            location=location_of(labels),
            labels=labels,
            annotations=annotations,
            starts_at=starts_at,
            received_at=received_at,
            ends_at=ends_at,
            value=_optional(data, "event_opdata") or None,
            generator_url=_optional(data, "event_url") or None,
        )
    ]


def _required(data: dict[str, Any], field: str) -> str:
    if field not in data:
        raise ParseError(f"{WHERE}: '{field}' is required")
    value = text(data[field], WHERE, field, limit=MAX_NAME_CHARS if field != "event_name" else 2048)
    if not value.strip():
        raise ParseError(f"{WHERE}: '{field}' must not be empty")
    return value.strip()


def _optional(data: dict[str, Any], field: str) -> str:
    value = data.get(field)
    return "" if value is None else text(value, WHERE, field).strip()


def _choice(data: dict[str, Any], field: str, choices: Mapping[str, Any], wanted: str) -> Any:
    if field not in data:
        raise ParseError(f"{WHERE}: '{field}' is required")
    value = data[field]
    if not isinstance(value, str) or value.strip() not in choices:
        shown = repr(value[:80]) if isinstance(value, str) else json_type(value)
        raise ParseError(f"{WHERE}: '{field}' must be {wanted}, got {shown}")
    return choices[value.strip()]


def _severity(data: dict[str, Any]) -> Severity:
    if data.get("event_nseverity") is not None:
        return _choice(data, "event_nseverity", _NSEVERITY, "a Zabbix severity number 0 to 5")
    name = _optional(data, "event_severity")
    return _SEVERITY_NAMES.get(name.lower(), Severity.WARNING)


def _timestamp(data: dict[str, Any], field: str) -> datetime | None:
    value = data.get(field)
    if value is None:
        return None
    raw = text(value, WHERE, field, limit=64).strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > _MAX_TIMESTAMP_DIGITS:
        raise ParseError(f"{WHERE}: '{field}' must be Unix seconds (digits), got {raw[:80]!r}")
    return datetime.fromtimestamp(int(raw), tz=timezone.utc)


def _tags(value: Any) -> dict[str, str]:
    """Turn [{"tag": "site", "value": "dc1"}, …] into labels; a repeated tag joins its values with ','."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise ParseError(f"{WHERE}: 'event_tags' must be an array of {{\"tag\", \"value\"}} objects, got {json_type(value)}")
    if len(value) > MAX_PAIRS:
        raise ParseError(f"{WHERE}: 'event_tags' has {len(value)} tags; at most {MAX_PAIRS} are accepted")
    labels: dict[str, list[str]] = {}
    for index, item in enumerate(value):
        where = f"{WHERE}: 'event_tags' #{index}"
        if not isinstance(item, dict):
            raise ParseError(f"{where} must be an object with 'tag' and 'value', got {json_type(item)}")
        if "tag" not in item:
            raise ParseError(f"{where}: 'tag' is required")
        tag = text(item["tag"], where, "tag", limit=MAX_NAME_CHARS).strip()
        if not tag:
            raise ParseError(f"{where}: 'tag' must not be empty")
        tag_value = item.get("value")
        tag_value = "" if tag_value is None else text(tag_value, where, "value")
        if tag_value and tag_value not in labels.setdefault(tag, []):
            labels[tag].append(tag_value)
    return {tag: ",".join(values) for tag, values in labels.items() if values}
