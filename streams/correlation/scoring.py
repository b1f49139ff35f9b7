"""Pure: score what correlation did with a scenario against what the scenario expects.

The numbers answer the questions an operator asks of alert correlation:

* **incidents expected / found / matched**: a found incident matches an expected one when it
  holds exactly the expected alerts;
* **pairwise precision and recall** of alert-to-incident assignment, over pairs of alerts:
  a pair is "together" when both alerts are in one incident. Precision is the share of pairs
  put together that belong together; recall the share of pairs that belong together that were
  put together (both 1.0 when there are no such pairs);
* **pages sent vs alerts received**: the noise reduction is 1 - pages / alerts;
* **time from first alert to incident**: for each found incident, from the first moment one
  of its alerts was received (sent, by the replay) to the incident's opening.

Every expectation that fails gives one readable line in `Score.failures`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from statistics import median
from typing import Iterable, Mapping

from streams.correlation.expectations import AlertKey, Expectations, ExpectedIncident


@dataclass(frozen=True)
class FoundIncident:
    """One incident as the pipeline (or the engine) left it."""

    alerts: frozenset[AlertKey]
    root: str | None
    category: str
    priority: str
    major: bool
    status: str
    opened_at: datetime
    pages: int = 0


@dataclass(frozen=True)
class Outcome:
    """What a run of one scenario produced: its incidents, the alerts suppressed (with kind), and when each alert came in."""

    incidents: tuple[FoundIncident, ...]
    suppressed: Mapping[AlertKey, str]
    first_received: Mapping[AlertKey, datetime]

    @property
    def pages(self) -> int:
        """Pages sent for the scenario's incidents."""
        return sum(incident.pages for incident in self.incidents)


@dataclass(frozen=True)
class Score:
    """The numbers of one scenario and the expectations it failed (empty when it passed)."""

    name: str
    expected: int
    found: int
    matched: int
    precision: float
    recall: float
    pages: int
    alerts: int
    seconds_to_incident: tuple[float, ...]
    failures: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        """True when every expectation held."""
        return not self.failures

    @property
    def noise_reduction(self) -> float:
        """1 - pages / alerts received (0 when no alert came in)."""
        return 1 - self.pages / self.alerts if self.alerts else 0.0


def score(expected: Expectations, outcome: Outcome) -> Score:
    """Compare `outcome` with `expected`: the numbers, and one failure line per unmet expectation."""
    failures: list[str] = []
    unmatched = list(outcome.incidents)
    matched = 0
    for wanted in expected.incidents:
        found = next((incident for incident in unmatched if incident.alerts == wanted.alerts), None)
        if found is None:
            failures.append(_missing(wanted, unmatched))
            continue
        unmatched.remove(found)
        matched += 1
        failures += _differences(wanted, found)
    failures += [f"unexpected incident {_describe(found)}: {_keys(found.alerts)}" for found in unmatched]
    for key, kind in sorted(expected.suppressed.items()):
        got = outcome.suppressed.get(key)
        if got != kind:
            failures.append(f"{key[1]} on {key[0]} should be suppressed by {kind}, " + (f"was by {got}" if got else "was not"))
    if expected.max_pages is not None and outcome.pages > expected.max_pages:
        failures.append(f"{outcome.pages} pages sent, at most {expected.max_pages} expected")
    precision, recall = pairwise(
        [incident.alerts for incident in expected.incidents], [incident.alerts for incident in outcome.incidents]
    )
    return Score(
        name=expected.name,
        expected=len(expected.incidents),
        found=len(outcome.incidents),
        matched=matched,
        precision=precision,
        recall=recall,
        pages=outcome.pages,
        alerts=len(outcome.first_received),
        seconds_to_incident=tuple(_seconds_to_incident(outcome)),
        failures=tuple(failures),
    )


def pairwise(expected: Iterable[frozenset[AlertKey]], found: Iterable[frozenset[AlertKey]]) -> tuple[float, float]:
    """Pairwise (precision, recall) of putting alerts together, as the module docstring defines them."""
    wanted, got = _pairs(expected), _pairs(found)
    both = len(wanted & got)
    return (both / len(got) if got else 1.0), (both / len(wanted) if wanted else 1.0)


def format_scores(scores: Iterable[Score]) -> str:
    """A table, one line per scenario and a total line, then every failure under its scenario's name."""
    scores = list(scores)
    header = (
        f"{'scenario':<22} {'result':<6} {'incidents exp/found/match':>25} {'precision':>9} {'recall':>6} "
        f"{'pages/alerts':>12} {'noise cut':>9} {'to incident max':>15}"
    )
    lines = [header]
    for each in scores:
        lines.append(_row(each.name, "pass" if each.passed else "FAIL", each))
    if len(scores) > 1:
        total = Score(
            name="total",
            expected=sum(s.expected for s in scores),
            found=sum(s.found for s in scores),
            matched=sum(s.matched for s in scores),
            precision=min(s.precision for s in scores),
            recall=min(s.recall for s in scores),
            pages=sum(s.pages for s in scores),
            alerts=sum(s.alerts for s in scores),
            seconds_to_incident=tuple(t for s in scores for t in s.seconds_to_incident),
        )
        passed = sum(1 for s in scores if s.passed)
        lines.append(_row("total (min p/r)", f"{passed}/{len(scores)}", total))
    for each in scores:
        lines += [f"{each.name}: {failure}" for failure in each.failures]
    return "\n".join(lines)


def _row(name: str, result: str, each: Score) -> str:
    counts = f"{each.expected}/{each.found}/{each.matched}"
    ratio = f"{each.pages}/{each.alerts}"
    latency = f"{max(each.seconds_to_incident):.1f}s" if each.seconds_to_incident else "-"
    if each.seconds_to_incident:
        latency = f"{median(each.seconds_to_incident):.1f}s/{latency}"
    return (
        f"{name:<22} {result:<6} {counts:>25} {each.precision:>9.2f} {each.recall:>6.2f} "
        f"{ratio:>12} {each.noise_reduction:>9.0%} {latency:>15}"
    )


def _pairs(groups: Iterable[frozenset[AlertKey]]) -> set[tuple[AlertKey, AlertKey]]:
    return {pair for group in groups for pair in combinations(sorted(group), 2)}


def _seconds_to_incident(outcome: Outcome) -> list[float]:
    seconds = []
    for incident in outcome.incidents:
        received = [outcome.first_received[key] for key in incident.alerts if key in outcome.first_received]
        if received:
            seconds.append(max((incident.opened_at - min(received)).total_seconds(), 0.0))
    return seconds


def _missing(wanted: ExpectedIncident, candidates: list[FoundIncident]) -> str:
    text = f"missing incident {_describe_expected(wanted)} with {_keys(wanted.alerts)}"
    closest = max(candidates, key=lambda found: len(found.alerts & wanted.alerts), default=None)
    if closest is None or not closest.alerts & wanted.alerts:
        return text + "; none of its alerts is in an incident"
    lacking, extra = wanted.alerts - closest.alerts, closest.alerts - wanted.alerts
    parts = [f"closest is {_describe(closest)}"]
    if lacking:
        parts.append(f"which lacks {_keys(lacking)}")
    if extra:
        parts.append(f"and also holds {_keys(extra)}")
    return text + "; " + " ".join(parts)


def _differences(wanted: ExpectedIncident, found: FoundIncident) -> list[str]:
    checks = (("root", wanted.root, found.root), ("category", wanted.category, found.category),
              ("priority", wanted.priority, found.priority), ("major", wanted.major, found.major),
              ("status", wanted.status, found.status))
    return [
        f"incident {_describe(found)}: {name} is {got!r}, expected {want!r}"
        for name, want, got in checks
        if (name == "root" or want is not None) and want != got
    ]


def _describe(found: FoundIncident) -> str:
    root = found.root or "(label group)"
    return f"[{root} {found.category} {found.priority}{' major' if found.major else ''}]"


def _describe_expected(wanted: ExpectedIncident) -> str:
    return f"[{wanted.root or '(label group)'}]"


def _keys(keys: Iterable[AlertKey]) -> str:
    ordered = sorted(keys)
    shown = ", ".join(f"{name}@{resource}" for resource, name in ordered[:6])
    return shown + (f" … ({len(ordered)} in all)" if len(ordered) > 6 else "")
