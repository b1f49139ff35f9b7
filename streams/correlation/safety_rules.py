"""Pure: the life-safety rule table a deployment configures (`safety_alertnames`), on top of the built-in one.

Sites name their alarms differently (`CRACWaterAlarm`, `VESDAFire`, `烟感告警`): each entry
`ALERTNAME=CLASS` makes that alert name life safety of a class, so silences and maintenance
windows never mute it unless an exception for exactly that class is approved. Entries add to
the built-in names (streams/alerts/safety.py) or re-class one; they cannot remove one, so a
configuration mistake never takes the smoke alarm out of the table. A class must be one an
exception can name: a typo is an error at start-up, naming the entry.
"""
from __future__ import annotations

from typing import Iterable

from streams.alerts.safety import DEFAULT_SAFETY_ALERTNAMES, SafetyClass, SafetyRules

SETTING = "safety_alertnames"


def safety_rules(entries: Iterable[str]) -> SafetyRules:
    """The built-in life-safety alert names plus `entries` (`ALERTNAME=CLASS`).

    Raises:
        ValueError: naming the setting, the entry's position and what is wrong with it.
    """
    table = dict(DEFAULT_SAFETY_ALERTNAMES)
    for position, entry in enumerate(entries):
        name, equals, value = entry.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name or not value:
            raise ValueError(f"{SETTING}[{position}]: {entry!r}: expected ALERTNAME=CLASS, e.g. CRACWaterAlarm=water_leak")
        try:
            table[name] = SafetyClass(value)
        except ValueError:
            known = ", ".join(SafetyClass)
            raise ValueError(f"{SETTING}[{position}]: {entry!r}: class {value!r} is not one of {known}") from None
    return SafetyRules(alertnames=table)


__all__ = ["safety_rules"]
