"""Pure: the correlation state of one scope (site): its incidents, held alerts and suppressed alerts.

The state is a cache the correlate shell keeps in memory per scope; the database is the system
of record, and `incidents/correlation_seed.py` rebuilds a scope's state from it after a
restart or a rebalance, so a still-firing alert re-attaches instead of opening a duplicate.
The engine mutates these objects in place, deterministically, with time passed in.

Each scope keeps its own clock (`ScopeState.clock`): the event time it has been correlated up
to, which never goes back (streams/correlation/engine.py, "Event time"). `due_by` lets the
engine tell cheaply, per change, whether a deadline (a hold-down, a quiet period) falls before
the change's time and must be ticked first.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from streams.alerts.model import Alert, Severity
from streams.correlation.categories import Category
from streams.correlation.commands import Disposition, IncidentFacts


@dataclass
class Member:
    """One alert of an incident: its latest form, the component it is on, whether it still fires."""

    alert: Alert
    component: str | None
    firing: bool
    symptom: bool
    category: Category = Category.OTHER


@dataclass
class Cluster:
    """One incident as correlation sees it: root cause, members, and when it went quiet or resolved.

    `root` is a topology component id (None for an incident grouped by labels); `inferred` says
    no alert came from the root itself. `quiet_since` is set while no member fires (the
    auto-resolve clock); `resolved_at` while a resolved incident may still be reopened.
    """

    incident_key: str
    group_key: str
    title: str
    severity: Severity
    category: Category
    root: str | None
    inferred: bool
    opened_at: datetime
    members: dict[str, Member] = field(default_factory=dict)
    quiet_since: datetime | None = None
    quiet_change_id: str = ""
    resolved_at: datetime | None = None
    facts: IncidentFacts | None = None
    # Kept up to date as members join, so prioritising a big incident costs O(1) per alert.
    names: set[str] = field(default_factory=set)
    components: set[str] = field(default_factory=set)
    cooling_components: set[str] = field(default_factory=set)
    first_reading: tuple[datetime, float] | None = None
    last_reading: tuple[datetime, float] | None = None

    def note(self, member: Member) -> None:
        """Fold a joining member into the aggregates prioritisation reads."""
        alert = member.alert
        self.names.add(alert.name)
        self.components.add(member.component or alert.resource)
        if member.component and member.category is Category.COOLING:
            self.cooling_components.add(member.component)
        try:
            reading = (alert.received_at, float(alert.value))
        except (TypeError, ValueError):
            return
        if self.first_reading is None or reading < self.first_reading:
            self.first_reading = reading
        if self.last_reading is None or reading > self.last_reading:
            self.last_reading = reading

    def rise_per_minute(self) -> float | None:
        """How fast the alerts' measured values climb, earliest to latest reading (None without two readings)."""
        if self.first_reading is None or self.last_reading is None:
            return None
        (first_at, first), (last_at, last) = self.first_reading, self.last_reading
        minutes = (last_at - first_at).total_seconds() / 60
        return (last - first) / minutes if minutes > 0 else None

    @property
    def is_open(self) -> bool:
        """True until the incident resolves."""
        return self.resolved_at is None

    def firing(self) -> list[Member]:
        """The members still firing."""
        return [member for member in self.members.values() if member.firing]


@dataclass
class Held:
    """An alert waiting out a hold-down (for its plausible cause) or a label group's wait."""

    alert: Alert
    change_id: str
    component: str | None
    category: Category
    until: datetime
    group_key: str | None = None


@dataclass
class Suppressed:
    """A firing alert suppressed by a silence or maintenance window: recorded, re-checked, never paged."""

    alert: Alert
    change_id: str
    disposition: Disposition


#: `ScopeState.due_by` before the scope's deadlines were ever looked at (a state just read back).
EARLIEST = datetime.min.replace(tzinfo=timezone.utc)
#: `ScopeState.due_by` when nothing in the scope waits for a deadline.
LATEST = datetime.max.replace(tzinfo=timezone.utc)


@dataclass
class ScopeState:
    """Everything correlation remembers about one scope.

    `clock` is the event time the scope has been correlated up to (None until its first change
    or tick). `due_by` is a lower bound of its next deadline: exact after a tick, lowered by
    every deadline set since (`expect`), EARLIEST when unknown.
    """

    scope: str
    clusters: dict[str, Cluster] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    held: dict[str, Held] = field(default_factory=dict)
    suppressed: dict[str, Suppressed] = field(default_factory=dict)
    clock: datetime | None = None
    due_by: datetime = EARLIEST

    def expect(self, deadline: datetime) -> None:
        """Note a deadline just set (a hold's end, a quiet period's end), so the next change ticks for it."""
        self.due_by = min(self.due_by, deadline)

    def add_member(self, cluster: Cluster, member: Member) -> None:
        """Record `member` on `cluster`, indexed by fingerprint."""
        cluster.members[member.alert.fingerprint] = member
        cluster.note(member)
        self.fingerprints[member.alert.fingerprint] = cluster.incident_key

    def forget(self, cluster: Cluster) -> None:
        """Drop a resolved cluster whose reopen window has passed."""
        self.clusters.pop(cluster.incident_key, None)
        for fingerprint in cluster.members:
            if self.fingerprints.get(fingerprint) == cluster.incident_key:
                del self.fingerprints[fingerprint]
