"""Pure: heartbeat configuration, when each heartbeat is due, and the reports the monitor puts on `alerts.raw`.

A heartbeat is configured as `NAME=INTERVAL` followed by `;KEY=VALUE` labels, e.g.
`prometheus-dc1=2m;site=dc1;room=r1` (INTERVAL: whole numbers with units h, m, s, like `90s`,
`2m` or `1h30m`). The separator is `;` because `ALERTDESK_HEARTBEATS` is a comma-separated list.

A heartbeat is due one interval after the latest of its last ping, its creation (a new
heartbeat gets one interval to ping first) and the start of the monitor: a worker that was
down could not take pings, so its start counts as a ping and a restart never raises a storm
of false alarms. The reports carry deterministic envelope ids, so a report sent again after a
crash between producing it and committing the state is one alert downstream.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Iterable, Mapping

from streams.alerts.model import AlertStatus, Envelope
from streams.alerts.parsers.heartbeat import (
    MAX_INTERVAL_SECONDS,
    NAME_PATTERN,
    RESERVED_LABELS,
    SOURCE,
)
from streams.clock import format_instant
from streams.ids import deterministic_id

_INTERVAL = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_LABEL_KEY = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]{0,127}")
_UNIT_SECONDS = (3600, 60, 1)
_ENTRY_SHAPE = "'NAME=INTERVAL;KEY=VALUE…', e.g. 'prometheus-dc1=2m;site=dc1'"


class HeartbeatState(StrEnum):
    """Where a heartbeat stands."""

    WAITING = "waiting"  # configured, never pinged yet
    OK = "ok"  # pinged, not yet overdue
    MISSED = "missed"  # overdue: its HeartbeatMissed alert is firing


@dataclass(frozen=True)
class HeartbeatSpec:
    """One configured heartbeat."""

    name: str
    interval_seconds: int
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HeartbeatRecord:
    """A heartbeat as the database holds it (a snapshot; the store converts its rows to these)."""

    name: str
    interval_seconds: int
    labels: Mapping[str, str]
    state: HeartbeatState
    created_at: datetime
    last_ping_at: datetime | None = None
    missed_since: datetime | None = None


@dataclass(frozen=True)
class SyncPlan:
    """How to bring the stored heartbeats in line with the configuration."""

    insert: tuple[HeartbeatSpec, ...]
    update: tuple[HeartbeatSpec, ...]
    rearm: tuple[str, ...]  # missed heartbeats whose labels changed: their alert was resolved, check again
    delete: tuple[str, ...]
    resolve: tuple[Envelope, ...]  # reports ending the alerts of removed or relabelled missed heartbeats


def parse_interval(text: str) -> int:
    """Return the seconds of an interval like `90s`, `2m` or `1h30m`.

    Raises:
        ValueError: if the text is not such an interval, is zero, or is longer than a month.
    """
    match = _INTERVAL.fullmatch(text.strip())
    if not text.strip() or match is None:
        raise ValueError(f"interval {text!r} must be whole numbers with units h, m, s, e.g. 30s, 2m, 1h30m")
    seconds = sum(int(value) * unit for value, unit in zip(match.groups(), _UNIT_SECONDS) if value)
    if not 0 < seconds <= MAX_INTERVAL_SECONDS:
        raise ValueError(f"interval {text!r} must be from 1s to {MAX_INTERVAL_SECONDS // 3600}h")
    return seconds


def parse_heartbeats(entries: Iterable[str]) -> tuple[HeartbeatSpec, ...]:
    """Parse the `heartbeats` setting.

    Raises:
        ValueError: naming the entry (by position and text) and what is wrong with it.
    """
    specs: dict[str, HeartbeatSpec] = {}
    for position, entry in enumerate(entries, start=1):
        where = f"heartbeats entry {position} ({entry!r})"
        try:
            spec = _spec(entry)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        if spec.name in specs:
            raise ValueError(f"{where}: heartbeat {spec.name!r} is configured twice")
        specs[spec.name] = spec
    return tuple(specs.values())


def _spec(entry: str) -> HeartbeatSpec:
    head, *pairs = entry.strip().split(";")
    name, equals, interval = head.partition("=")
    name = name.strip()
    if not equals:
        raise ValueError(f"must look like {_ENTRY_SHAPE}")
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(f"the name {name!r} must be 1 to 128 of a-z, 0-9, '.', '_', '-'")
    labels: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not equals or not _LABEL_KEY.fullmatch(key) or not value:
            raise ValueError(f"label {pair.strip()!r} must be KEY=VALUE with a label name as KEY and a non-empty VALUE")
        if key in RESERVED_LABELS:
            raise ValueError(f"label {key!r} is reserved; the alert sets it itself")
        if key in labels:
            raise ValueError(f"label {key!r} is given twice")
        labels[key] = value
    return HeartbeatSpec(name=name, interval_seconds=parse_interval(interval), labels=labels)


def due_at(
    last_ping_at: datetime | None, created_at: datetime, monitor_started_at: datetime | None, interval_seconds: int
) -> datetime:
    """When the next ping is due: one interval after the latest of last ping, creation and the monitor's start."""
    latest = max(moment for moment in (last_ping_at, created_at, monitor_started_at) if moment is not None)
    return latest + timedelta(seconds=interval_seconds)


def record_due_at(record: HeartbeatRecord, monitor_started_at: datetime | None) -> datetime:
    """`due_at` of a stored heartbeat."""
    return due_at(record.last_ping_at, record.created_at, monitor_started_at, record.interval_seconds)


def is_overdue(record: HeartbeatRecord, now: datetime, monitor_started_at: datetime) -> bool:
    """True when the heartbeat's ping is past due and no alert for it is firing yet."""
    return record.state is not HeartbeatState.MISSED and now > record_due_at(record, monitor_started_at)


def overdue(records: Iterable[HeartbeatRecord], now: datetime, monitor_started_at: datetime) -> list[HeartbeatRecord]:
    """The heartbeats that must go missed at `now`, in name order."""
    return sorted((r for r in records if is_overdue(r, now, monitor_started_at)), key=lambda r: r.name)


def missed_report(record: HeartbeatRecord, now: datetime, monitor_started_at: datetime) -> Envelope:
    """The envelope raising the `HeartbeatMissed` alert of an overdue heartbeat."""
    due = record_due_at(record, monitor_started_at)
    return _report(record, AlertStatus.FIRING, due=due, at=now)


def recovered_report(record: HeartbeatRecord, at: datetime) -> Envelope:
    """The envelope resolving the alert of a missed heartbeat that pinged (or was removed) at `at`.

    Raises:
        ValueError: if the heartbeat is not missed (there is no alert to resolve).
    """
    if record.state is not HeartbeatState.MISSED or record.missed_since is None:
        raise ValueError(f"heartbeat {record.name!r} is {record.state}, not missed: nothing to resolve")
    return _report(record, AlertStatus.RESOLVED, due=record.missed_since, at=at)


def _report(record: HeartbeatRecord, status: AlertStatus, *, due: datetime, at: datetime) -> Envelope:
    moment = due if status is AlertStatus.FIRING else at
    body = {
        "name": record.name,
        "status": str(status),
        "interval_seconds": record.interval_seconds,
        "labels": dict(record.labels),
        "last_ping_at": format_instant(record.last_ping_at) if record.last_ping_at else None,
        "due_at": format_instant(due),
        "at": format_instant(at),
    }
    return Envelope(
        source=SOURCE,
        received_at=at,
        content_type="application/json",
        body=json.dumps(body, ensure_ascii=False, sort_keys=True),
        envelope_id=deterministic_id(SOURCE, record.name, str(status), format_instant(moment)),
    )


def plan_sync(specs: Iterable[HeartbeatSpec], records: Iterable[HeartbeatRecord], now: datetime) -> SyncPlan:
    """Compare the configuration with the stored heartbeats and say what to insert, change, delete and resolve.

    A missed heartbeat that is removed, or whose labels change, has its alert resolved now:
    otherwise the alert would stay open for ever (removed) or its resolve would carry other
    labels, hence another fingerprint and site, than the alert it must end (relabelled).
    """
    wanted = {spec.name: spec for spec in specs}
    stored = {record.name: record for record in records}
    kept = [spec for name, spec in wanted.items() if name in stored]
    relabelled = [spec.name for spec in kept if dict(spec.labels) != dict(stored[spec.name].labels)]
    retimed = [spec.name for spec in kept if spec.interval_seconds != stored[spec.name].interval_seconds]
    changed = [spec for spec in kept if spec.name in relabelled or spec.name in retimed]
    removed = sorted(stored.keys() - wanted.keys())
    ended = [stored[name] for name in (*removed, *relabelled) if stored[name].state is HeartbeatState.MISSED]
    return SyncPlan(
        insert=tuple(spec for name, spec in wanted.items() if name not in stored),
        update=tuple(changed),
        rearm=tuple(record.name for record in ended if record.name in wanted),
        delete=tuple(removed),
        resolve=tuple(recovered_report(record, now) for record in ended),
    )


def describe(record: HeartbeatRecord, monitor_started_at: datetime | None) -> dict[str, Any]:
    """A heartbeat as the API and the CLI show it (times as RFC 3339 text)."""
    return {
        "name": record.name,
        "interval_seconds": record.interval_seconds,
        "labels": dict(record.labels),
        "state": str(record.state),
        "last_ping_at": format_instant(record.last_ping_at) if record.last_ping_at else None,
        "due_at": format_instant(record_due_at(record, monitor_started_at)),
        "missed_since": format_instant(record.missed_since) if record.missed_since else None,
    }
