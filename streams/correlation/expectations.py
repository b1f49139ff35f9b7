"""Pure: what a correlation scenario expects (`expected.yaml`), and the setup it needs, checked strictly.

A scenario (docs/scenarios.md, "Correlation scenarios") is a folder with a topology, timed
alerts and `expected.yaml`. This module turns the parsed YAML of the last into `Expectations`
the scorer compares against, and its `setup` into the bodies the API takes, with times
relative to the replay's start made absolute. Scenarios are written by hand, so every error
names the file and the place in it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping

from streams.clock import format_instant

#: An alert as a scenario names it: (resource, alert name).
AlertKey = tuple[str, str]

_TOP_KEYS = ("description", "site", "incidents", "max_pages", "suppressed", "setup")
_INCIDENT_KEYS = ("root", "category", "priority", "major", "status", "alerts")
_STATUSES = ("open", "resolved")
_ALERT_KEYS = ("resource", "name", "resources", "names")
_SUPPRESSED_KEYS = ("resource", "name", "kind")
_SUPPRESSION_KINDS = ("maintenance", "silence")
_SETUP_KEYS = ("maintenance", "silences")
_WINDOW_KEYS = ("components", "start_s", "end_s", "created_by", "reason")
_SILENCE_KEYS = ("matchers", "start_s", "end_s", "created_by", "comment")


class ExpectationError(ValueError):
    """An `expected.yaml` that is not of the documented shape; the message names the file and place."""


@dataclass(frozen=True)
class ExpectedIncident:
    """One incident a scenario must produce: exactly these alerts, and optionally its root, category, priority,
    majority and status at the end (open or resolved)."""

    alerts: frozenset[AlertKey]
    root: str | None
    category: str | None = None
    priority: str | None = None
    major: bool | None = None
    status: str | None = None


@dataclass(frozen=True)
class SetupStep:
    """One thing to create through the API before replaying: `path` (e.g. /api/maintenance) and a body maker."""

    path: str
    fields: Mapping[str, Any]
    start_s: float
    end_s: float

    def body(self, start: datetime) -> dict[str, Any]:
        """The API body with the window's times made absolute from the replay's `start`."""
        starts, ends = start + timedelta(seconds=self.start_s), start + timedelta(seconds=self.end_s)
        if self.path == "/api/silences":
            return {**self.fields, "startsAt": format_instant(starts), "endsAt": format_instant(ends)}
        return {**self.fields, "starts_at": format_instant(starts), "ends_at": format_instant(ends)}


@dataclass(frozen=True)
class Expectations:
    """Everything `expected.yaml` says: the site (correlation scope), incidents, page bound, suppressed alerts, setup."""

    name: str
    site: str
    description: str
    incidents: tuple[ExpectedIncident, ...]
    max_pages: int | None
    suppressed: Mapping[AlertKey, str]
    setup: tuple[SetupStep, ...]

    @property
    def alert_keys(self) -> frozenset[AlertKey]:
        """Every alert the scenario accounts for, in an incident or suppressed."""
        return frozenset().union(*(incident.alerts for incident in self.incidents), self.suppressed)


def parse_expectations(data: Any, *, name: str, where: str) -> Expectations:
    """Check the parsed YAML of one scenario's `expected.yaml` (`where` names the file in errors).

    Raises:
        ExpectationError: the first problem, e.g. `x/expected.yaml: incidents[2].alerts[0]: 'resource' is required`.
    """
    top = _mapping(data, where, "the file", _TOP_KEYS)
    site = _text(top, "site", where, "the file")
    incidents = tuple(
        _incident(item, where, f"incidents[{index}]") for index, item in enumerate(_list(top, "incidents", where, ""))
    )
    seen: dict[AlertKey, int] = {}
    for index, incident in enumerate(incidents):
        for key in sorted(incident.alerts):
            if key in seen:
                raise ExpectationError(f"{where}: incidents[{index}]: {key[1]} on {key[0]} is already in incidents[{seen[key]}]")
            seen[key] = index
    suppressed: dict[AlertKey, str] = {}
    for index, item in enumerate(_list(top, "suppressed", where, "", required=False)):
        place = f"suppressed[{index}]"
        entry = _mapping(item, where, place, _SUPPRESSED_KEYS)
        key = (_text(entry, "resource", where, place), _text(entry, "name", where, place))
        kind = _text(entry, "kind", where, place)
        if kind not in _SUPPRESSION_KINDS:
            raise ExpectationError(f"{where}: {place}.kind: {kind!r} is not one of {', '.join(_SUPPRESSION_KINDS)}")
        if key in seen:
            raise ExpectationError(f"{where}: {place}: {key[1]} on {key[0]} is also expected in incidents[{seen[key]}]")
        suppressed[key] = kind
    max_pages = top.get("max_pages")
    if max_pages is not None and (isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 0):
        raise ExpectationError(f"{where}: max_pages: must be a whole number ≥ 0")
    description = top.get("description", "")
    if not isinstance(description, str):
        raise ExpectationError(f"{where}: description: must be a text")
    return Expectations(name, site, description.strip(), incidents, max_pages, suppressed, _setup(top.get("setup"), where))


def _incident(item: Any, where: str, place: str) -> ExpectedIncident:
    entry = _mapping(item, where, place, _INCIDENT_KEYS)
    if "root" not in entry:
        raise ExpectationError(f"{where}: {place}: 'root' is required (a component id, or null for a label group)")
    root = entry["root"]
    if root is not None and not (isinstance(root, str) and root.strip()):
        raise ExpectationError(f"{where}: {place}.root: must be a component id or null")
    alerts: set[AlertKey] = set()
    for index, alert in enumerate(_list(entry, "alerts", where, place)):
        alerts |= _alert_keys(alert, where, f"{place}.alerts[{index}]")
    major = entry.get("major")
    if major is not None and not isinstance(major, bool):
        raise ExpectationError(f"{where}: {place}.major: must be true or false")
    status = _optional_text(entry, "status", where, place)
    if status is not None and status not in _STATUSES:
        raise ExpectationError(f"{where}: {place}.status: {status!r} is not one of {', '.join(_STATUSES)}")
    return ExpectedIncident(
        alerts=frozenset(alerts),
        root=root,
        category=_optional_text(entry, "category", where, place),
        priority=_optional_text(entry, "priority", where, place),
        major=major,
        status=status,
    )


def _alert_keys(item: Any, where: str, place: str) -> set[AlertKey]:
    """`{resource, name}` is one alert; `{resources: [...], names: [...]}` is every name on every resource (a storm)."""
    entry = _mapping(item, where, place, _ALERT_KEYS)
    if "resources" in entry or "names" in entry:
        resources = _texts(entry, "resources", where, place)
        names = _texts(entry, "names", where, place)
        return {(resource, name) for resource in resources for name in names}
    return {(_text(entry, "resource", where, place), _text(entry, "name", where, place))}


def _setup(data: Any, where: str) -> tuple[SetupStep, ...]:
    if data is None:
        return ()
    setup = _mapping(data, where, "setup", _SETUP_KEYS)
    steps: list[SetupStep] = []
    for index, item in enumerate(_list(setup, "maintenance", where, "setup", required=False)):
        place = f"setup.maintenance[{index}]"
        entry = _mapping(item, where, place, _WINDOW_KEYS)
        fields = {
            "components": list(_texts(entry, "components", where, place)),
            "created_by": _text(entry, "created_by", where, place),
            "reason": _text(entry, "reason", where, place),
        }
        steps.append(SetupStep("/api/maintenance", fields, *_span(entry, where, place)))
    for index, item in enumerate(_list(setup, "silences", where, "setup", required=False)):
        place = f"setup.silences[{index}]"
        entry = _mapping(item, where, place, _SILENCE_KEYS)
        fields = {
            "matchers": list(_texts(entry, "matchers", where, place)),
            "createdBy": _text(entry, "created_by", where, place),
            "comment": _text(entry, "comment", where, place),
        }
        steps.append(SetupStep("/api/silences", fields, *_span(entry, where, place)))
    return tuple(steps)


def _span(entry: Mapping[str, Any], where: str, place: str) -> tuple[float, float]:
    values = []
    for key in ("start_s", "end_s"):
        value = entry.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ExpectationError(f"{where}: {place}.{key}: must be seconds from the replay's start (a number)")
        values.append(float(value))
    if values[1] <= values[0]:
        raise ExpectationError(f"{where}: {place}: end_s must be after start_s")
    return values[0], values[1]


def _mapping(data: Any, where: str, place: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ExpectationError(f"{where}: {place}: expected a mapping")
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise ExpectationError(f"{where}: {place}: unknown key {unknown[0]!r} (expected one of {', '.join(allowed)})")
    return data


def _list(data: Mapping[str, Any], key: str, where: str, place: str, *, required: bool = True) -> list[Any]:
    value = data.get(key)
    named = f"{place}.{key}" if place else key
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise ExpectationError(f"{where}: {named}: expected a list")
    return value


def _text(data: Mapping[str, Any], key: str, where: str, place: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ExpectationError(f"{where}: {place}: {key!r} is required (a non-empty text)")
    return value


def _optional_text(data: Mapping[str, Any], key: str, where: str, place: str) -> str | None:
    return _text(data, key, where, place) if data.get(key) is not None else None


def _texts(data: Mapping[str, Any], key: str, where: str, place: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item.strip() for item in value):
        raise ExpectationError(f"{where}: {place}.{key}: expected a non-empty list of texts")
    return tuple(value)
