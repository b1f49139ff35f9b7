"""Pure: what the correlation engine is configured with — its windows and policies, and the suppression hook.

Parsed once from the settings by the composition root (`alertdesk/correlation.py`) and passed in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Mapping

from streams.correlation.commands import Disposition
from streams.correlation.priority import PriorityPolicy

#: A suppression check: (labels, component ids the alert touches, now) -> why it is suppressed, or None.
Suppressor = Callable[[Mapping[str, str], frozenset[str], datetime], Disposition | None]


@dataclass(frozen=True)
class EngineConfig:
    """Windows and policies of correlation (settings: correlation_*)."""

    window: timedelta = timedelta(minutes=5)
    hold_down: timedelta = timedelta(seconds=5)
    quiet_period: timedelta = timedelta(0)
    reopen_window: timedelta = timedelta(minutes=10)
    group_by: tuple[str, ...] = ("alertname", "site")
    group_wait: timedelta = timedelta(0)
    priority: PriorityPolicy = field(default_factory=PriorityPolicy)


__all__ = ["EngineConfig", "Suppressor"]
