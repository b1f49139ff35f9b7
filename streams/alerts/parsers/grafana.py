"""Pure: parse a Grafana (unified alerting) webhook contact-point notification into `Alert`s.

The outer shape is Alertmanager's webhook (see `alertmanager_webhook.py`) with `version: "1"`
plus `orgId`, `title`, `state` and `message`; each alert adds `values`, `valueString`,
`dashboardURL`, `panelURL` and `silenceURL` (grafana.com, "Configure webhook notifications").
Everything common is parsed exactly as for Alertmanager: each alert's `status` decides firing or
resolved, Grafana's own 16-hex `fingerprint` is kept, severity comes from the `severity` label.

Grafana additions:

    valueString  -> Alert.value, e.g. "[ var='B' labels={instance=ups-1} value=36.5 ]"
                    (empty or absent: the `value` annotation, if any)
    dashboardURL -> annotation `dashboard_url` (unless the rule already has one)
    panelURL     -> annotation `panel_url`
    silenceURL   -> annotation `silence_url`

`values` (a map of numbers) is not read: `valueString` says the same in words a person can read.
Legacy (pre-unified) dashboard alert payloads, with `ruleName` and `evalMatches` and no
`version`, are refused with a reason that says so.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from streams.alerts.model import Alert
from streams.alerts.parsers.alertmanager_webhook import parse_webhook
from streams.alerts.parsers.fields import text

VERSION = "1"
_LINKS = (("dashboardURL", "dashboard_url"), ("panelURL", "panel_url"), ("silenceURL", "silence_url"))
_LEGACY = " (Grafana legacy dashboard alerts, with 'ruleName' and 'evalMatches', are not supported; use unified alerting)"


def parse_grafana(body: str, *, received_at: datetime, source: str) -> list[Alert]:
    """Parse a Grafana unified alerting webhook notification, payload version "1".

    Args:
        body: the request body as received, one JSON object (one notification group).
        received_at: when the receiver accepted the body; the default start, and the end of a
            resolved alert that gives no `endsAt`.
        source: the source name recorded on every alert.

    Returns:
        One `Alert` per element of `alerts`, in order.

    Raises:
        ParseError: when the body is not a version "1" Grafana notification or any alert can
            never be valid; the reason names the alert's 0-based index in `alerts` and the field.
    """
    return parse_webhook(
        body,
        received_at=received_at,
        source=source,
        sender="Grafana alerting webhook",
        version=VERSION,
        extras=_grafana_extras,
        legacy_hint=_LEGACY,
    )


def _grafana_extras(
    item: dict[str, Any], where: str, annotations: Mapping[str, str]
) -> tuple[str | None, Mapping[str, str]]:
    value = item.get("valueString")
    value = text(value, where, "valueString") if value is not None else ""
    links = {}
    for field, annotation in _LINKS:
        link = item.get(field)
        if link is not None and text(link, where, field):
            links[annotation] = link
    return value or annotations.get("value"), links
