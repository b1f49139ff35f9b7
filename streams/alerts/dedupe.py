"""Pure: decide, per fingerprint, whether an incoming alert is news (new, resolved, severity, flapping) or a repeat.

Sources resend: Prometheus every minute while firing and for 15 minutes after resolving,
Alertmanager HA once per peer. Dedupe keeps one `DedupeState` per fingerprint and emits an
`AlertChange` only on a transition, so 1,000 identical firing alerts give exactly one NEW.

An alert that keeps flipping between firing and resolved would page at every NEW. So flips
are tracked (`streams.alerts.flapping`): the flip that makes the fingerprint flap emits one
FLAPPING instead of its NEW or RESOLVED; while it flaps, flips are only counted and severity
moves of a firing alert still go out; when it stops, UNFLAPPED goes out, followed by RESOLVED
when it stopped resolved (when it stopped firing, the incident already has it firing).

Change ids are derived from the fingerprint, the kind and the occurrence's `starts_at` (plus
the new severity and receive time for a severity change; the flip's time for FLAPPING and
UNFLAPPED), never from a counter, so a replay or a rebuild after losing this state gives the
same ids and the incident writer drops the repeats.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Mapping

from streams.alerts.flapping import FlapEvent, FlapPolicy, FlapState, FlapStep, track_flaps
from streams.alerts.model import Alert, AlertChange, AlertStatus, ChangeKind, Severity
from streams.clock import format_instant, parse_instant
from streams.ids import deterministic_id


@dataclass(frozen=True)
class DedupeState:
    """What dedupe remembers about one fingerprint's current (or last) occurrence, and its flips."""

    status: AlertStatus
    severity: Severity
    starts_at: datetime
    first_seen: datetime
    last_seen: datetime
    count: int
    flap: FlapState = FlapState()

    def to_dict(self) -> dict[str, Any]:
        """Encode for the dedupe table."""
        return {
            "status": str(self.status),
            "severity": str(self.severity),
            "starts_at": format_instant(self.starts_at),
            "first_seen": format_instant(self.first_seen),
            "last_seen": format_instant(self.last_seen),
            "count": self.count,
            "flap": self.flap.to_dict(),
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
            # Written before flap detection existed: no flips known, not flapping.
            flap=FlapState.from_dict(data.get("flap", {})),
        )


@dataclass(frozen=True)
class DedupeDecision:
    """The state to store for the fingerprint, the changes to emit in order (none for a repeat),
    and the kind of change a flapping alert would have caused but held back (for the metric)."""

    state: DedupeState
    changes: tuple[AlertChange, ...]
    held_back: ChangeKind | None = None


@dataclass(frozen=True)
class _Transition:
    """The state and change (None for a repeat) of the status and severity rules, before flapping."""

    state: DedupeState
    change: AlertChange | None


def only_counted(before: DedupeState | None, after: DedupeState) -> bool:
    """True when `after` differs from `before` only in its count and last-seen: what a plain repeat changes."""
    return before is not None and replace(before, count=after.count, last_seen=after.last_seen) == after


def correlation_scope(alert: Alert) -> str:
    """Return the key of `alerts.changes` for `alert`: its site, or "-" when it has none."""
    return alert.site or "-"


def dedupe(
    state: DedupeState | None, alert: Alert, *, now: datetime, policy: FlapPolicy = FlapPolicy()
) -> DedupeDecision:
    """Fold `alert` into the fingerprint's `state` and say what, if anything, changed.

    * firing, nothing known or last occurrence resolved -> NEW (a new occurrence);
      but a firing alert that started no later than the resolved occurrence is a late
      duplicate of it and changes nothing;
    * firing again, same severity -> no change, count + 1;
    * firing again, other severity -> SEVERITY;
    * resolved while firing -> RESOLVED, unless it ended before this occurrence started
      (a late resend of an older occurrence);
    * resolved when unknown or already resolved -> no change, state recorded;
    * then flapping, on the alert's `received_at`: the flip that starts it -> FLAPPING instead;
      while flapping NEW and RESOLVED are held back; the alert that ends it -> UNFLAPPED, then
      RESOLVED if the fingerprint is resolved (and SEVERITY if that alert moved the severity).
    """
    transition = _firing(state, alert, now) if alert.status is AlertStatus.FIRING else _resolved(state, alert, now)
    settled = transition.state
    if alert.status is not settled.status:
        # A late duplicate or stale resend says nothing about the present: no flip, and it may not end flapping.
        return DedupeDecision(settled, ())
    flipped = state is not None and settled.status is not state.status
    step = track_flaps(settled.flap, flipped=flipped, at=alert.received_at, policy=policy)
    return _flap_decision(replace(settled, flap=step.state), alert, transition.change, step)


def _flap_decision(state: DedupeState, alert: Alert, change: AlertChange | None, step: FlapStep) -> DedupeDecision:
    """Turn the status rules' `change` into what goes out, given what `alert` did to the flapping."""
    severity = (change,) if change and change.kind is ChangeKind.SEVERITY else ()
    match step.event:
        case FlapEvent.STEADY:
            return DedupeDecision(state, (change,) if change else ())
        case FlapEvent.STARTED:
            flapping = _change(ChangeKind.FLAPPING, alert, state, format_instant(alert.received_at))
            return DedupeDecision(state, (flapping,))
        case FlapEvent.ONGOING if change and not severity:
            return DedupeDecision(state, (), held_back=change.kind)
        case FlapEvent.ONGOING:
            return DedupeDecision(state, severity)
    unflapped = _change(ChangeKind.UNFLAPPED, alert, state, format_instant(step.state.flips[-1]))
    if state.status is AlertStatus.RESOLVED:
        resolved = _change(ChangeKind.RESOLVED, alert, state, format_instant(state.starts_at))
        return DedupeDecision(state, (unflapped, resolved))
    return DedupeDecision(state, (unflapped, *severity))


def _firing(state: DedupeState | None, alert: Alert, now: datetime) -> _Transition:
    if state is not None and state.status is AlertStatus.FIRING:
        repeated = replace(state, severity=alert.severity, last_seen=now, count=state.count + 1)
        if alert.severity is state.severity:
            return _Transition(repeated, None)
        # A severity may go up, down and up again within one occurrence; each move is news.
        identity = (format_instant(repeated.starts_at), str(alert.severity), format_instant(alert.received_at))
        return _Transition(repeated, _change(ChangeKind.SEVERITY, alert, repeated, *identity))
    if state is not None and alert.starts_at <= state.starts_at:
        return _Transition(replace(state, last_seen=now), None)
    new = _occurrence(state, alert, now)
    return _Transition(new, _change(ChangeKind.NEW, alert, new, format_instant(new.starts_at)))


def _occurrence(state: DedupeState | None, alert: Alert, now: datetime) -> DedupeState:
    """The state of a new firing occurrence; a flapping alert stays one alert, so its count runs on."""
    if state is None:
        return DedupeState(AlertStatus.FIRING, alert.severity, alert.starts_at, now, now, 1)
    first_seen, count = (state.first_seen, state.count + 1) if state.flap.flapping else (now, 1)
    return DedupeState(AlertStatus.FIRING, alert.severity, alert.starts_at, first_seen, now, count, state.flap)


def _resolved(state: DedupeState | None, alert: Alert, now: datetime) -> _Transition:
    if state is None:
        return _Transition(DedupeState(AlertStatus.RESOLVED, alert.severity, alert.starts_at, now, now, 0), None)
    stale = alert.ends_at is not None and alert.ends_at < state.starts_at
    if state.status is AlertStatus.RESOLVED or stale:
        return _Transition(replace(state, last_seen=now), None)
    resolved = replace(state, status=AlertStatus.RESOLVED, last_seen=now)
    return _Transition(resolved, _change(ChangeKind.RESOLVED, alert, resolved, format_instant(resolved.starts_at)))


def _change(kind: ChangeKind, alert: Alert, state: DedupeState, *identity: str) -> AlertChange:
    """Build a change whose id is the fingerprint, the kind and `identity`: what makes this change unique."""
    return AlertChange(
        kind=kind,
        alert=alert,
        scope=correlation_scope(alert),
        change_id=deterministic_id(alert.fingerprint, str(kind), *identity),
        repeat_count=state.count,
    )
