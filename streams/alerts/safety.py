"""Pure: which alerts are life safety, and the separately approved exceptions that may mute them.

Smoke, fire, water on the floor, an extinguishing-gas release and a UPS running on its battery
put people or the whole room at risk, so silences and maintenance windows never hide them on
their own. A `SafetyException` for exactly that class, approved by a second person, is the only
way: "the fire panel is under test tonight, mute its smoke alarms in room A".

Classification is a small rule table: an alert is life safety when its `safety_class` label
says so, or its `alertname` is listed in `SafetyRules.alertnames`. A `safety_class` value this
version does not know is still treated as life safety (fail closed), and no exception can
cover it, so a typo never mutes a fire alarm.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Mapping

from streams.alerts.matchers import Matcher, matches_all


class SafetyClass(StrEnum):
    """Kinds of life-safety alert; an exception names exactly one."""

    SMOKE = "smoke"
    FIRE = "fire"
    WATER_LEAK = "water_leak"
    GAS_RELEASE = "gas_release"
    UPS_ON_BATTERY = "ups_on_battery"


DEFAULT_SAFETY_ALERTNAMES: Mapping[str, SafetyClass] = MappingProxyType({
    **dict.fromkeys(("SmokeDetected", "SmokeAlarm"), SafetyClass.SMOKE),
    **dict.fromkeys(("FireAlarm", "FireDetected"), SafetyClass.FIRE),
    **dict.fromkeys(("WaterLeak", "WaterLeakDetected"), SafetyClass.WATER_LEAK),
    **dict.fromkeys(("GasRelease", "ExtinguishantReleased"), SafetyClass.GAS_RELEASE),
    **dict.fromkeys(("UPSOnBattery", "UpsOnBattery"), SafetyClass.UPS_ON_BATTERY),
})


@dataclass(frozen=True)
class SafetyRules:
    """The rule table: alertnames that are life safety, and the label that declares it directly."""

    alertnames: Mapping[str, SafetyClass] = field(default_factory=lambda: DEFAULT_SAFETY_ALERTNAMES)
    label: str = "safety_class"

    def classify(self, labels: Mapping[str, str]) -> str | None:
        """The alert's safety class (a `SafetyClass`, or the unknown label value as given), or None."""
        declared = labels.get(self.label, "").strip()
        if declared:
            return declared
        return self.alertnames.get(labels.get("alertname", ""))


DEFAULT_SAFETY_RULES = SafetyRules()


@dataclass(frozen=True)
class SafetyException:
    """A two-person-approved permission for silences and maintenance to mute one safety class.

    It covers an alert when its class is exactly `safety_class`, every one of `matchers` passes
    (if any are given) and the alert touches one of `components` (if any are given); at least
    one of the two must be given. It takes effect only once approved, between its start and end.

    Raises:
        ValueError: naming the field, on a missing scope, who or why, an end not after the
            start, or an approver who is the requester.
    """

    id: str
    safety_class: SafetyClass
    matchers: tuple[Matcher, ...]
    components: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    requested_by: str
    reason: str
    created_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None = None
    revoked_at: datetime | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "safety_class", SafetyClass(self.safety_class))
        except ValueError:
            known = ", ".join(SafetyClass)
            raise ValueError(f"safety_class: {self.safety_class!r} is not one of {known}") from None
        if not self.matchers and not self.components:
            raise ValueError("matchers: give matchers or components, so the exception covers some alerts, not all")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at: must be after starts_at")
        if not self.requested_by.strip():
            raise ValueError("requested_by: say who asks for the exception")
        if not self.reason.strip():
            raise ValueError("reason: say why life-safety alerts may be muted")
        if self.approved_by is not None and _same_person(self.approved_by, self.requested_by):
            raise ValueError("approved_by: must be someone other than the requester")

    def is_active(self, now: datetime) -> bool:
        """Approved, not revoked, and `now` inside [starts_at, ends_at)."""
        if self.approved_by is None or (self.revoked_at is not None and self.revoked_at <= now):
            return False
        return self.starts_at <= now < self.ends_at

    def covers(self, safety_class: str, labels: Mapping[str, str], component_ids: frozenset[str] | set[str]) -> bool:
        """Whether this exception lets silences and maintenance mute this alert (activity aside)."""
        if safety_class != self.safety_class or not matches_all(self.matchers, labels):
            return False
        return not self.components or any(component in component_ids for component in self.components)


def _same_person(first: str, second: str) -> bool:
    return first.strip().casefold() == second.strip().casefold()
