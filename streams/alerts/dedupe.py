"""Pure: decide, per fingerprint, whether an incoming alert is news (new, resolved, severity) or a repeat.

Sources resend: Prometheus every minute while firing and for 15 minutes after resolving,
Alertmanager HA once per peer. Dedupe keeps one `DedupeState` per fingerprint and emits an
`AlertChange` only on a transition, so 1,000 identical firing alerts give exactly one NEW.

Change ids are derived from the fingerprint, the kind and the occurrence's `starts_at` (plus
the new severity and receive time for a severity change), never from a counter, so a replay or
a rebuild after losing this state gives the same ids and the incident writer drops the repeats.
Flapping is not handled here yet.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Mapping

from streams.alerts.model import Alert, AlertChange, AlertStatus, ChangeKind, Severity
from streams.clock import format_instant, parse_instant
from streams.ids import deterministic_id


@dataclass(frozen=True)
class DedupeState:
    """What dedupe remembers about one fingerprint's current (or last) occurrence."""

    status: AlertStatus
    severity: Severity
    starts_at: datetime
    first_seen: datetime
    last_seen: datetime
    count: int

    def to_dict(self) -> dict[str, Any]:
        """Encode for the dedupe table."""
        return {
            "status": str(self.status),
            "severity": str(self.severity),
            "starts_at": format_instant(self.starts_at),
            "first_seen": format_instant(self.first_seen),
            "last_seen": format_instant(self.last_seen),
            "count": self.count,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "DedupeState":
        """Decode from the dedupe table."""
        return cls(
            status=AlertStatus(data["status"]),
            severity=Severity(data["severity"]),
            starts_at=parse_instant(data["starts_at"]),
            first_seen=parse_instant(data["first_seen"]),
            last_seen=parse_instant(data["last_seen"]),
            count=int(data["count"]),
        )


@dataclass(frozen=True)
class DedupeDecision:
    """The state to store for the fingerprint, and the change to emit (None for a repeat)."""

    state: DedupeState
    change: AlertChange | None


def correlation_scope(alert: Alert) -> str:
    """Return the key of `alerts.changes` for `alert`: its site, or "-" when it has none."""
    return alert.site or "-"


def dedupe(state: DedupeState | None, alert: Alert, *, now: datetime) -> DedupeDecision:
    """Fold `alert` into the fingerprint's `state` and say what, if anything, changed.

    * firing, nothing known or last occurrence resolved -> NEW (a new occurrence);
      but a firing alert that started no later than the resolved occurrence is a late
      duplicate of it and changes nothing;
    * firing again, same severity -> no change, count + 1;
    * firing again, other severity -> SEVERITY;
    * resolved while firing -> RESOLVED, unless it ended before this occurrence started
      (a late resend of an older occurrence);
    * resolved when unknown or already resolved -> no change, state recorded.
    """
    if alert.status is AlertStatus.FIRING:
        return _firing(state, alert, now)
    return _resolved(state, alert, now)


def _firing(state: DedupeState | None, alert: Alert, now: datetime) -> DedupeDecision:
    if state is None or state.status is AlertStatus.RESOLVED:
        if state is not None and alert.starts_at <= state.starts_at:
            return DedupeDecision(replace(state, last_seen=now), None)
        new = DedupeState(AlertStatus.FIRING, alert.severity, alert.starts_at, now, now, 1)
        return DedupeDecision(new, _change(ChangeKind.NEW, alert, new))
    repeated = replace(state, severity=alert.severity, last_seen=now, count=state.count + 1)
    if alert.severity is state.severity:
        return DedupeDecision(repeated, None)
    return DedupeDecision(repeated, _change(ChangeKind.SEVERITY, alert, repeated))


def _resolved(state: DedupeState | None, alert: Alert, now: datetime) -> DedupeDecision:
    if state is None:
        return DedupeDecision(DedupeState(AlertStatus.RESOLVED, alert.severity, alert.starts_at, now, now, 0), None)
    stale = alert.ends_at is not None and alert.ends_at < state.starts_at
    if state.status is AlertStatus.RESOLVED or stale:
        return DedupeDecision(replace(state, last_seen=now), None)
    resolved = replace(state, status=AlertStatus.RESOLVED, last_seen=now)
    return DedupeDecision(resolved, _change(ChangeKind.RESOLVED, alert, resolved))


def _change(kind: ChangeKind, alert: Alert, state: DedupeState) -> AlertChange:
    parts = [alert.fingerprint, str(kind), format_instant(state.starts_at)]
    if kind is ChangeKind.SEVERITY:
        # A severity may go up, down and up again within one occurrence; each move is news.
        parts += [str(alert.severity), format_instant(alert.received_at)]
    return AlertChange(
        kind=kind,
        alert=alert,
        scope=correlation_scope(alert),
        change_id=deterministic_id(*parts),
        repeat_count=state.count,
    )
