"""Pure: silences, and the one decision whether an alert change is suppressed, and by what.

The correlate stage asks `suppression(...)` (or a prebuilt `SuppressionRules`) for every alert
change. A suppressed alert is still recorded and counted on its incident; it is only not paged.
The answer is a silence whose matchers all pass (Alertmanager semantics, see `matchers.py`) or a
maintenance window on a component the alert touches (its own, or one upstream of it, as the
caller's topology says), except for life-safety alerts (`safety.py`): those are suppressed only
when an approved exception for exactly their class also covers them.

Reminders tell a silence's creator that it is about to expire, or has been open too long.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Collection, Iterable, Mapping

from streams.alerts.maintenance import MaintenanceWindow, occurrence_at
from streams.alerts.matchers import Matcher, MatchOp, matches_all
from streams.alerts.safety import DEFAULT_SAFETY_RULES, SafetyException, SafetyRules
from streams.clock import format_instant


class SilenceState(StrEnum):
    """Where a silence is in its life, as Alertmanager names it."""

    PENDING = "pending"
    ACTIVE = "active"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Silence:
    """Mute alerts whose labels pass every matcher, from `starts_at` until `ends_at` or expiry.

    Raises:
        ValueError: naming the field, when there is no matcher, the matchers would match an
            alert with no labels at all (a silence of everything), the end is not after the
            start, or who (`created_by`) or why (`comment`) is missing.
    """

    id: str
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    created_at: datetime
    expired_at: datetime | None = None
    expired_by: str | None = None
    expiry_reminded_at: datetime | None = None
    long_open_reminded_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.matchers:
            raise ValueError("matchers: a silence needs at least one matcher")
        if matches_all(self.matchers, {}):
            raise ValueError(
                "matchers: at least one matcher must not match the empty string, or the silence mutes everything"
            )
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at: must be after starts_at")
        if not self.created_by.strip():
            raise ValueError("created_by: say who creates the silence")
        if not self.comment.strip():
            raise ValueError("comment: say why the alerts are silenced")

    @property
    def effective_end(self) -> datetime:
        """When it stops muting: its end, or its expiry if that came first."""
        return self.ends_at if self.expired_at is None else min(self.ends_at, self.expired_at)

    def state(self, now: datetime) -> SilenceState:
        """Pending before its start, active until its effective end, expired after."""
        if now >= self.effective_end:
            return SilenceState.EXPIRED
        return SilenceState.PENDING if now < self.starts_at else SilenceState.ACTIVE

    def is_active(self, now: datetime) -> bool:
        """Whether it mutes matching alerts at `now`."""
        return self.state(now) is SilenceState.ACTIVE

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether every matcher passes on these labels (activity aside)."""
        return matches_all(self.matchers, labels)


class SuppressionKind(StrEnum):
    """What muted an alert; the timeline and the suppressed-alerts metric carry it."""

    SILENCE = "silence"
    MAINTENANCE = "maintenance"


@dataclass(frozen=True)
class Suppression:
    """Why an alert is not paged: `by` is the silence or window id, `reason` names who and why."""

    kind: SuppressionKind
    by: str
    reason: str
    until: datetime
    safety_exception: str | None = None


@dataclass(frozen=True)
class SuppressionRules:
    """Silences, windows and exceptions indexed once, so each alert checks only its candidates.

    Silences with an `alertname="…"` matcher can only mute that alertname, so they are filed
    under it; the rest are checked for every alert. Windows are filed under their components.
    """

    silences_by_alertname: Mapping[str, tuple[Silence, ...]]
    other_silences: tuple[Silence, ...]
    windows_by_component: Mapping[str, tuple[MaintenanceWindow, ...]]
    exceptions: tuple[SafetyException, ...]
    safety_rules: SafetyRules = field(default=DEFAULT_SAFETY_RULES)

    @classmethod
    def build(
        cls,
        silences: Iterable[Silence],
        windows: Iterable[MaintenanceWindow],
        exceptions: Iterable[SafetyException],
        *,
        safety_rules: SafetyRules = DEFAULT_SAFETY_RULES,
    ) -> SuppressionRules:
        """Index the given rules; build once per catalogue refresh, query per alert."""
        by_alertname: dict[str, list[Silence]] = defaultdict(list)
        others: list[Silence] = []
        for silence in silences:
            alertname = _alertname_equality(silence)
            (others if alertname is None else by_alertname[alertname]).append(silence)
        by_component: dict[str, list[MaintenanceWindow]] = defaultdict(list)
        for window in windows:
            for component in dict.fromkeys(window.components):
                by_component[component].append(window)
        return cls(
            silences_by_alertname={name: tuple(group) for name, group in by_alertname.items()},
            other_silences=tuple(others),
            windows_by_component={component: tuple(group) for component, group in by_component.items()},
            exceptions=tuple(sorted(exceptions, key=lambda exception: exception.id)),
            safety_rules=safety_rules,
        )

    def suppression(
        self, labels: Mapping[str, str], component_ids: Collection[str], now: datetime
    ) -> Suppression | None:
        """Whether this alert is suppressed at `now`, and by what; None means page as usual."""
        touched = component_ids if isinstance(component_ids, (set, frozenset)) else frozenset(component_ids)
        exception: SafetyException | None = None
        safety_class = self.safety_rules.classify(labels)
        if safety_class is not None:
            exception = next(
                (e for e in self.exceptions if e.is_active(now) and e.covers(safety_class, labels, touched)), None
            )
            if exception is None:
                return None
        found = self._by_silence(labels, now) or self._by_maintenance(touched, now)
        if found is None or exception is None:
            return found
        return Suppression(
            kind=found.kind,
            by=found.by,
            reason=(
                f"{found.reason}; life-safety class {exception.safety_class} muted by exception {exception.id} "
                f"(requested by {exception.requested_by}, approved by {exception.approved_by}: {exception.reason})"
            ),
            until=min(found.until, exception.ends_at),
            safety_exception=exception.id,
        )

    def _by_silence(self, labels: Mapping[str, str], now: datetime) -> Suppression | None:
        candidates = self.silences_by_alertname.get(labels.get("alertname", ""), ()) + self.other_silences
        muting = [silence for silence in candidates if silence.is_active(now) and silence.matches(labels)]
        if not muting:
            return None
        silence = max(muting, key=lambda each: (each.effective_end, each.id))
        return Suppression(
            kind=SuppressionKind.SILENCE,
            by=silence.id,
            reason=(
                f"silenced by {silence.created_by} until {format_instant(silence.effective_end)}: "
                f"{silence.comment}"
            ),
            until=silence.effective_end,
        )

    def _by_maintenance(self, component_ids: Collection[str], now: datetime) -> Suppression | None:
        running = [
            (occurrence[1], window.id, component, window)
            for component in component_ids
            for window in self.windows_by_component.get(component, ())
            if (occurrence := occurrence_at(window, now)) is not None
        ]
        if not running:
            return None
        until, window_id, component, window = max(running, key=lambda each: each[:3])
        return Suppression(
            kind=SuppressionKind.MAINTENANCE,
            by=window_id,
            reason=(
                f"maintenance of {component} by {window.created_by} until {format_instant(until)}: {window.reason}"
            ),
            until=until,
        )


def suppression(
    labels: Mapping[str, str],
    component_ids: Collection[str],
    now: datetime,
    silences: Iterable[Silence],
    windows: Iterable[MaintenanceWindow],
    exceptions: Iterable[SafetyException],
    *,
    safety_rules: SafetyRules = DEFAULT_SAFETY_RULES,
) -> Suppression | None:
    """Whether an alert touching `component_ids` (its own and every upstream one) is suppressed at `now`.

    For one-off questions; a stage answering many keeps a `SuppressionRules.build(...)` instead.
    """
    rules = SuppressionRules.build(silences, windows, exceptions, safety_rules=safety_rules)
    return rules.suppression(labels, component_ids, now)


def _alertname_equality(silence: Silence) -> str | None:
    return next(
        (m.value for m in silence.matchers if m.name == "alertname" and m.op is MatchOp.EQUAL), None
    )


class ReminderKind(StrEnum):
    """Why a silence's creator is reminded of it."""

    EXPIRING = "expiring"
    OPEN_TOO_LONG = "open_too_long"


@dataclass(frozen=True)
class Reminder:
    """Tell `to` about silence `silence_id`; the caller sends it and records it on the silence."""

    silence_id: str
    kind: ReminderKind
    to: str
    message: str


def reminders_due(
    silences: Iterable[Silence], now: datetime, *, before_expiry: timedelta, open_too_long: timedelta
) -> list[Reminder]:
    """Reminders for active silences ending within `before_expiry` or running longer than `open_too_long`.

    Each kind is due once per silence (its `*_reminded_at` is unset). A silence whose whole span
    is no longer than `before_expiry` gets no expiry reminder: its creator chose it that short.
    """
    due = []
    for silence in silences:
        if not silence.is_active(now):
            continue
        end = format_instant(silence.effective_end)
        what = f"silence {silence.id} ({', '.join(map(str, silence.matchers))}; {silence.comment})"
        if (
            silence.expiry_reminded_at is None
            and silence.effective_end - now <= before_expiry
            and silence.effective_end - silence.starts_at > before_expiry
        ):
            due.append(Reminder(silence.id, ReminderKind.EXPIRING, silence.created_by, f"{what} expires at {end}"))
        if silence.long_open_reminded_at is None and now - silence.starts_at >= open_too_long:
            due.append(
                Reminder(
                    silence.id,
                    ReminderKind.OPEN_TOO_LONG,
                    silence.created_by,
                    f"{what} has been open since {format_instant(silence.starts_at)}, until {end}; "
                    "expire it if the work is done",
                )
            )
    return due
