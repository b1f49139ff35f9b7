"""I/O: the worker's in-memory copy of what may suppress alerts, reloaded only when the database changed.

The correlate stage asks `catalogue.snapshot.suppression(labels, component_ids, now)` for every
alert change, which must not cost a query. A timer calls `refresh(now)` every few seconds: it
reads the one-row revision counter and reloads the silences, windows and exceptions only when
it moved. A snapshot is immutable and swapped whole, so a reader never sees half a reload.
If the database is away, `refresh` raises and the last snapshot stays in force.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import sessionmaker

from incidents.silences.store import current_revision, load_in_force
from streams.alerts.maintenance import is_finished
from streams.alerts.safety import DEFAULT_SAFETY_RULES, SafetyRules
from streams.alerts.silences import Suppression, SuppressionRules


@dataclass(frozen=True)
class SuppressionSnapshot:
    """The rules in force as of one revision; `revision` -1 means nothing was loaded yet."""

    revision: int
    rules: SuppressionRules

    def suppression(
        self, labels: Mapping[str, str], component_ids: Collection[str], now: datetime
    ) -> Suppression | None:
        """Whether the alert is suppressed at `now`, and by what (see `SuppressionRules.suppression`)."""
        return self.rules.suppression(labels, component_ids, now)


class SilenceCatalogue:
    """Holds the current `SuppressionSnapshot` and refreshes it from the database."""

    def __init__(self, sessions: sessionmaker, *, safety_rules: SafetyRules = DEFAULT_SAFETY_RULES) -> None:
        self._sessions = sessions
        self._safety_rules = safety_rules
        self.snapshot = SuppressionSnapshot(-1, SuppressionRules.build((), (), (), safety_rules=safety_rules))

    def refresh(self, now: datetime) -> bool:
        """Reload if the revision moved since the last load; return whether it did.

        Raises:
            sqlalchemy.exc.OperationalError: the database is unreachable (the old snapshot stays).
        """
        with self._sessions() as session:
            revision = current_revision(session=session)
            if revision == self.snapshot.revision:
                return False
            silences, windows, exceptions = load_in_force(session=session, now=now)
        rules = SuppressionRules.build(
            silences,
            [window for window in windows if not is_finished(window, now)],
            exceptions,
            safety_rules=self._safety_rules,
        )
        self.snapshot = SuppressionSnapshot(revision, rules)
        return True
