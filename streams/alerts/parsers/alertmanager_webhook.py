"""Pure: parse an Alertmanager webhook notification (payload version "4") into `Alert`s.

An existing Alertmanager forwards to alertdesk with a `webhook_configs` receiver; each
notification is one group:

    {"version": "4", "groupKey": …, "truncatedAlerts": 0, "status": "firing|resolved",
     "receiver": …, "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
     "externalURL": …, "alerts": [{"status": "firing|resolved", "labels": {}, "annotations": {},
     "startsAt": …, "endsAt": …, "generatorURL": …, "fingerprint": "<16 hex>"}]}

(Alertmanager `docs/configuration.md#webhook_config`.) Each alert's own `status` decides firing
or resolved — the group's `status` only says whether any alert still fires. Each alert already
carries every label (`commonLabels` is their intersection), so the group fields are not merged.
The alert's `fingerprint` is kept when it is 16 hex digits (Alertmanager's, equal to
`label_fingerprint` of the same labels, so the alert dedupes with the same alert posted to
`/api/v2/alerts`); otherwise it is computed from the labels. A resolved alert without `endsAt`
ends when it was received. Unknown keys are ignored: Alertmanager and Grafana add fields, and a
4xx makes the sender drop the whole group for good.

Grafana's unified alerting webhook has the same outer shape (version "1"); `parsers/grafana.py`
reuses `parse_webhook` with its own per-alert extras. Severity and resource come from the labels
as in `alertmanager_v2.py`.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Callable, Mapping

from streams.alerts.fingerprint import label_fingerprint
from streams.alerts.model import Alert, AlertStatus
from streams.alerts.parsers.errors import ParseError
from streams.alerts.parsers.fields import (
    json_type,
    labelled_alert,
    load_json,
    location_of,
    require_object,
    resource_of,
    severity_of,
    text,
    wire_precision,
)

# A notification is one Alertmanager group, which the sender cannot split: refusing a big one
# would drop all of it (4xx), so the bound is higher than MAX_ALERTS. The body-size limit of the
# receiver still applies.
WEBHOOK_MAX_ALERTS = 10_000
VERSION = "4"

_FINGERPRINT = re.compile(r"[0-9a-fA-F]{16}")
_STATUSES: Mapping[str, AlertStatus] = {status.value: status for status in AlertStatus}

# Per-alert additions of a webhook dialect: (item, where, annotations) -> (value, extra annotations).
Extras = Callable[[dict[str, Any], str, Mapping[str, str]], tuple[str | None, Mapping[str, str]]]


def parse_alertmanager_webhook(body: str, *, received_at: datetime, source: str) -> list[Alert]:
    """Parse an Alertmanager webhook notification, payload version "4".

    Args:
        body: the request body as received, one JSON object (one notification group).
        received_at: when the receiver accepted the body; the default start, and the end of a
            resolved alert that gives no `endsAt`.
        source: the source name recorded on every alert.

    Returns:
        One `Alert` per element of `alerts`, in order; an empty `alerts` gives an empty list.

    Raises:
        ParseError: when the body is not a version "4" notification or any alert can never be
            valid; the reason names the alert's 0-based index in `alerts` and the field.
    """
    return parse_webhook(
        body, received_at=received_at, source=source, sender="Alertmanager webhook", version=VERSION
    )


def parse_webhook(
    body: str,
    *,
    received_at: datetime,
    source: str,
    sender: str,
    version: str,
    extras: Extras | None = None,
    legacy_hint: str = "",
) -> list[Alert]:
    """Parse an Alertmanager-shaped webhook body of payload `version`, as sent by `sender`.

    `extras` adds a dialect's per-alert fields (Grafana's `valueString`, dashboard links);
    `legacy_hint` is appended to the reason when `version` is missing.

    Raises:
        ParseError: as `parse_alertmanager_webhook`.
    """
    received_at = wire_precision(received_at)
    data = load_json(body)
    if not isinstance(data, dict):
        raise ParseError(f"body must be a JSON object ({_article(sender)} {sender} payload), got {json_type(data)}")
    _check_version(data, sender, version, legacy_hint)
    items = _alert_list(data)
    return [
        _alert(item, f"alert #{index}", received_at, source, extras or _alertmanager_extras)
        for index, item in enumerate(items)
    ]


def _check_version(data: dict[str, Any], sender: str, version: str, legacy_hint: str) -> None:
    if "version" not in data:
        raise ParseError(
            f"body: 'version' is required; expected {_article(sender)} {sender} payload, version {version!r}{legacy_hint}"
        )
    found = text(data["version"], "body", "version", limit=64)
    if found != version:
        raise ParseError(f"body: 'version' is {found!r}; only {sender} payload version {version!r} is understood")


def _article(noun: str) -> str:
    return "an" if noun[:1].upper() in "AEIOU" else "a"


def _alert_list(data: dict[str, Any]) -> list[Any]:
    if "alerts" not in data:
        raise ParseError("body: 'alerts' is required")
    items = data["alerts"]
    if not isinstance(items, list):
        raise ParseError(f"body: 'alerts' must be an array, got {json_type(items)}")
    if len(items) > WEBHOOK_MAX_ALERTS:
        raise ParseError(
            f"body: 'alerts' has {len(items)} alerts; at most {WEBHOOK_MAX_ALERTS} are accepted per notification"
        )
    return items


def _alert(item: Any, where: str, received_at: datetime, source: str, extras: Extras) -> Alert:
    item = require_object(item, where)
    status = _status(item, where)
    ends_at_default = received_at if status is AlertStatus.RESOLVED else None
    fields = labelled_alert(item, where, received_at, ends_at_default=ends_at_default)
    labels, name, annotations = fields.labels, fields.name, fields.annotations
    value, more = extras(item, where, annotations)
    return Alert(
        fingerprint=_fingerprint(item.get("fingerprint"), labels, where),
        source=source,
        status=status,
        severity=severity_of(labels.get("severity")),
        name=name,
        resource=resource_of(labels, name),
        location=location_of(labels),
        labels=labels,
        annotations={**more, **annotations},
        starts_at=fields.starts_at,
        received_at=received_at,
        ends_at=fields.ends_at,
        value=value,
        generator_url=fields.generator_url,
    )


def _status(item: dict[str, Any], where: str) -> AlertStatus:
    if "status" not in item:
        raise ParseError(f"{where}: 'status' is required (firing or resolved)")
    value = item["status"]
    if not isinstance(value, str) or value not in _STATUSES:
        shown = repr(value) if isinstance(value, str) else json_type(value)
        raise ParseError(f"{where}: 'status' must be one of {', '.join(_STATUSES)}, got {shown[:80]}")
    return _STATUSES[value]


def _fingerprint(value: Any, labels: Mapping[str, str], where: str) -> str:
    if value is None:
        return label_fingerprint(labels)
    value = text(value, where, "fingerprint", limit=256)
    return value.lower() if _FINGERPRINT.fullmatch(value) else label_fingerprint(labels)


def _alertmanager_extras(
    item: dict[str, Any], where: str, annotations: Mapping[str, str]
) -> tuple[str | None, Mapping[str, str]]:
    return annotations.get("value"), {}
