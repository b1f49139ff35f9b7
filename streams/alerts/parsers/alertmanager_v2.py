"""Pure: parse the body Prometheus (and amtool) POST to Alertmanager's `/api/v2/alerts` into `Alert`s.

The body is a JSON array of `{labels, annotations?, startsAt?, endsAt?, generatorURL?}`
(Alertmanager `api/v2/openapi.yaml`, `postableAlert`). We follow Alertmanager where it decides:
labels with an empty value are dropped before anything else (so the fingerprint matches
Alertmanager's), a missing or zero `startsAt` means "now" (the envelope's `received_at`), and
an alert whose `endsAt` is not after `received_at` is resolved. Unknown keys in an alert are
ignored, as Alertmanager ignores them: refusing them would answer 4xx, and Prometheus drops
anything answered 4xx for good.

Severity comes from the `severity` label, folded onto our scale (case-insensitive):

    critical, page, emergency, disaster -> critical
    major, high, error                  -> major
    minor, average                      -> minor
    warning, warn                       -> warning
    info, informational, none, low      -> info
    missing or anything else            -> warning (the original label is kept as sent)
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from streams.alerts.fingerprint import label_fingerprint
from streams.alerts.model import Alert, AlertStatus
from streams.alerts.parsers.fields import (
    alert_items,
    labelled_alert,
    load_json,
    location_of,
    require_object,
    resource_of,
    severity_of,
    wire_precision,
)


def parse_alertmanager_v2(body: str, *, received_at: datetime, source: str) -> list[Alert]:
    """Parse an Alertmanager API v2 `POST /api/v2/alerts` body.

    Args:
        body: the request body as received, a JSON array of postable alerts (at most 1000).
        received_at: when the receiver accepted the body; the default start and the "now"
            against which `endsAt` decides firing or resolved.
        source: the source name recorded on every alert.

    Returns:
        One `Alert` per array element, in order; an empty array gives an empty list.

    Raises:
        ParseError: when any element can never be a valid alert; the reason names the
            element's 0-based index and the field.
    """
    received_at = wire_precision(received_at)
    items = alert_items(load_json(body), allow_object=False)
    return [_alert(item, f"alert #{index}", received_at, source) for index, item in enumerate(items)]


def _alert(item: Any, where: str, received_at: datetime, source: str) -> Alert:
    fields = labelled_alert(require_object(item, where), where, received_at)
    labels, name, annotations, ends_at = fields.labels, fields.name, fields.annotations, fields.ends_at
    resolved = ends_at is not None and ends_at <= received_at
    return Alert(
        fingerprint=label_fingerprint(labels),
        source=source,
        status=AlertStatus.RESOLVED if resolved else AlertStatus.FIRING,
        severity=severity_of(labels.get("severity")),
        name=name,
        resource=resource_of(labels, name),
        location=location_of(labels),
        labels=labels,
        annotations=annotations,
        starts_at=fields.starts_at,
        received_at=received_at,
        ends_at=ends_at,
        value=annotations.get("value"),
        generator_url=fields.generator_url,
    )

