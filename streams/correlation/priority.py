"""Pure: ITIL priority = impact x urgency, and when an incident is major.

Impact says how much of the business is hurt: how many devices the root cause takes down
(redundancy considered, through the topology) and the criticality of the business services
lost. Urgency says how fast it gets worse: the worst alert severity, raised to high when a
measured value (a room temperature) climbs faster than a configured slope. The matrix is the
usual 3x3 ITIL table and can be replaced in the settings.

A major incident is a P1, or matches one of the configured patterns: an alert name that is
major by itself (UPS on battery), a room-level over-temperature (several sensors of a cooling
zone), or a critical business service lost.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterable, Mapping

from streams.alerts.model import Severity

LEVELS = ("high", "medium", "low")
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")

DEFAULT_MATRIX: Mapping[tuple[str, str], str] = MappingProxyType({
    ("high", "high"): "P1", ("high", "medium"): "P2", ("high", "low"): "P3",
    ("medium", "high"): "P2", ("medium", "medium"): "P3", ("medium", "low"): "P4",
    ("low", "high"): "P3", ("low", "medium"): "P4", ("low", "low"): "P5",
})

_URGENCY_OF_SEVERITY = MappingProxyType({
    Severity.CRITICAL: "high",
    Severity.MAJOR: "medium",
    Severity.MINOR: "low",
    Severity.WARNING: "low",
    Severity.INFO: "low",
})


@dataclass(frozen=True)
class PriorityPolicy:
    """The knobs of prioritisation; defaults suit a machine room."""

    matrix: Mapping[tuple[str, str], str] = field(default_factory=lambda: DEFAULT_MATRIX)
    high_impact_devices: int = 20
    medium_impact_devices: int = 3
    fast_rise_per_minute: float = 1.0
    major_alertnames: frozenset[str] = frozenset({"UPSOnBattery", "UPSLowBattery", "UtilityPowerLost"})
    room_overheat_sensors: int = 3


@dataclass(frozen=True)
class Assessment:
    """Impact, urgency, priority and majority of one incident at one moment."""

    impact: str
    urgency: str
    priority: str
    major: bool
    major_reason: str | None


def parse_matrix(entries: Iterable[str]) -> Mapping[tuple[str, str], str]:
    """Read 'impact:urgency=P1' entries over the default matrix.

    Raises:
        ValueError: naming the entry when a level or priority is unknown or the shape is wrong.
    """
    matrix = dict(DEFAULT_MATRIX)
    for entry in entries:
        cell, _, priority = entry.partition("=")
        impact, _, urgency = cell.strip().partition(":")
        if (impact, urgency) not in DEFAULT_MATRIX or priority.strip() not in PRIORITIES:
            raise ValueError(
                f"priority matrix entry {entry!r} must look like 'impact:urgency=P1' with levels "
                f"{'/'.join(LEVELS)} and priorities {'/'.join(PRIORITIES)}"
            )
        matrix[(impact, urgency)] = priority.strip()
    return MappingProxyType(matrix)


def impact_of(*, affected_devices: int, service_criticalities: Iterable[str], policy: PriorityPolicy) -> str:
    """High for a critical service lost or many devices down, medium for a high service or a few, else low."""
    criticalities = set(service_criticalities)
    if "critical" in criticalities or affected_devices >= policy.high_impact_devices:
        return "high"
    if "high" in criticalities or affected_devices >= policy.medium_impact_devices:
        return "medium"
    return "low"


def urgency_of(*, severity: Severity, rise_per_minute: float | None, policy: PriorityPolicy) -> str:
    """From the worst severity; a value rising faster than the policy's slope makes it high."""
    if rise_per_minute is not None and rise_per_minute >= policy.fast_rise_per_minute:
        return "high"
    return _URGENCY_OF_SEVERITY[severity]


def assess(
    *,
    severity: Severity,
    affected_devices: int,
    service_criticalities: Iterable[str],
    rise_per_minute: float | None,
    alert_names: Iterable[str],
    cooling_sensors: int,
    policy: PriorityPolicy,
) -> Assessment:
    """Assess an incident: priority from the matrix, and whether (and why) it is major."""
    criticalities = tuple(service_criticalities)
    impact = impact_of(affected_devices=affected_devices, service_criticalities=criticalities, policy=policy)
    urgency = urgency_of(severity=severity, rise_per_minute=rise_per_minute, policy=policy)
    priority = policy.matrix[(impact, urgency)]
    return Assessment(impact, urgency, priority, *_major(priority, alert_names, cooling_sensors, criticalities, policy))


def _major(
    priority: str, alert_names: Iterable[str], cooling_sensors: int, criticalities: tuple[str, ...], policy: PriorityPolicy
) -> tuple[bool, str | None]:
    named = sorted(set(alert_names) & policy.major_alertnames)
    if named:
        return True, f"{named[0]} is a major incident by policy"
    if cooling_sensors >= policy.room_overheat_sensors:
        return True, f"room-level over-temperature: {cooling_sensors} sensors or devices of one cooling zone"
    if "critical" in criticalities:
        return True, "a critical business service is affected"
    if priority == "P1":
        return True, "priority P1"
    return False, None
