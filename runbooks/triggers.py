"""Pure: which runbooks an incident event starts or offers, from the incident as recorded.

A trigger lists clauses; one matching clause is enough, and within a clause every field given
must hold (`categories`, `root_kinds`, `alertnames` — any alert of the incident —, `labels` — all
on one alert —, `min_priority`, `major`). The events looked at are those of `When`: the
incident opened, was declared major, or changed priority (a P3 that becomes P1 may now match).
Drill incidents never start anything here: a drill starts its runbook itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from runbooks.model import Match, Runbook, Start, When

#: The incident events that make the trigger look, and what each is called in a runbook file.
EVENT_WHEN: Mapping[str, When] = {"opened": When.OPENED, "major_declared": When.MAJOR, "priority_changed": When.PRIORITY}
_OPEN = ("triggered", "acknowledged")


@dataclass(frozen=True)
class IncidentView:
    """What triggers look at: the incident's facts and its alerts' names and labels."""

    id: int
    status: str
    category: str
    root_kind: str | None
    priority: str
    major: bool
    drill: bool
    alerts: Sequence[tuple[str, Mapping[str, str]]]  # (name, labels) of each attached alert


@dataclass(frozen=True)
class StartDecision:
    """Start (or offer) `runbook_id` on the incident."""

    runbook_id: str
    start: Start


def _rank(priority: str) -> int:
    """P1 → 1 … P5 → 5; anything unreadable ranks lowest."""
    return int(priority[1:]) if len(priority) == 2 and priority[0] == "P" and priority[1].isdigit() else 9


def clause_matches(match: Match, incident: IncidentView) -> bool:
    """True when every field the clause gives holds for the incident."""
    if match.categories and incident.category not in match.categories:
        return False
    if match.root_kinds and incident.root_kind not in match.root_kinds:
        return False
    if match.alertnames and not any(name in match.alertnames for name, _ in incident.alerts):
        return False
    if match.labels and not any(
        all(labels.get(key) == value for key, value in match.labels.items()) for _, labels in incident.alerts
    ):
        return False
    if match.min_priority is not None and _rank(incident.priority) > _rank(match.min_priority):
        return False
    return match.major is None or match.major == incident.major


def matches(runbook: Runbook, incident: IncidentView) -> bool:
    """True when any clause of the runbook's trigger matches the incident."""
    return any(clause_matches(clause, incident) for clause in runbook.trigger.match)


def auto_start_key(incident_id: int, runbook_id: str) -> str:
    """The start key of the trigger's start of a runbook on an incident: at most one such start each."""
    return f"auto/{incident_id}/{runbook_id}"


def startable(event_kind: str, runbooks: Iterable[Runbook]) -> list[Runbook]:
    """The runbooks an event of `event_kind` may start or offer, before looking at the incident."""
    when = EVENT_WHEN.get(event_kind)
    if when is None:
        return []
    return [
        runbook for runbook in runbooks if runbook.trigger.start is not Start.MANUAL and when in runbook.trigger.when
    ]


def decide_starts(event_kind: str, incident: IncidentView, runbooks: Iterable[Runbook]) -> list[StartDecision]:
    """The runbooks to start or offer after `event_kind` on `incident` (the store ignores ones already started)."""
    if incident.drill or incident.status not in _OPEN:
        return []
    return [
        StartDecision(runbook.id, runbook.trigger.start)
        for runbook in startable(event_kind, runbooks)
        if matches(runbook, incident)
    ]
