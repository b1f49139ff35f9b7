"""The correlation scenarios of tests/scenarios/ through the pure stages — normalize, dedupe, `Correlator` — on a fake clock.

Fast (no broker, no database): each scenario's alerts are normalized and deduped as the agents
do, correlated with the suite's settings (tests/scenarios/alertdesk.toml) and its setup's
maintenance windows and silences, and the commands are scored like the end-to-end run's
incidents (tests/e2e/test_scenarios.py does the same through the real pipeline). A property test
checks that the order of alerts arriving within the hold-down does not change the grouping.
"""
from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alertdesk.cli.scenario_files import Scenario, load_scenarios
from alertdesk.correlation import engine_config
from alertdesk.settings import load_settings
from incidents.silences.codec import silence_from_json, window_from_json
from streams.alerts.dedupe import DedupeState, dedupe
from streams.alerts.flapping import FlapPolicy
from streams.alerts.model import AlertChange, AlertStatus, Envelope
from streams.alerts.normalize import normalize
from streams.alerts.scenario import CONTENT_TYPE, ScenarioLine
from streams.alerts.silences import SuppressionRules
from streams.correlation.commands import CommandKind, Disposition, DispositionKind, IncidentCommand
from streams.correlation.engine import Correlator
from streams.correlation.expectations import AlertKey
from streams.correlation.scoring import FoundIncident, Outcome, score
from streams.correlation.state import ScopeState
from streams.correlation.topology_files import load_topology_files

SUITE = Path(__file__).resolve().parents[1] / "scenarios"
T0 = datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc)  # later than every time written in the bodies
SETTINGS = load_settings(SUITE / "alertdesk.toml", environ={})
SCENARIOS = {scenario.name: scenario for scenario in load_scenarios(SUITE, now=T0)}
SUPPRESSING = (DispositionKind.MAINTENANCE, DispositionKind.SILENCED)


@dataclass
class EngineRun:
    """The commands one scenario's alerts cause, and what each alert key ended as."""

    commands: list[IncidentCommand] = field(default_factory=list)
    first_received: dict[AlertKey, datetime] = field(default_factory=dict)

    def outcome(self) -> Outcome:
        """Incidents (one page each: OPENED pages), suppressed alerts and receive times, from the commands."""
        incidents: dict[str, dict] = {}
        suppressed: dict[AlertKey, str] = {}
        for command in self.commands:
            key = (command.alert.resource, command.alert.name) if command.alert else None
            if command.kind is CommandKind.SUPPRESS and command.disposition.kind in SUPPRESSING:
                suppressed[key] = str(command.disposition.kind)
            incident = incidents.get(command.incident_key)
            if command.kind is CommandKind.OPEN:
                incidents[command.incident_key] = incident = {"alerts": set(), "opened_at": command.issued_at, "status": "open"}
            if incident is None:
                continue
            if command.kind is CommandKind.MERGE:  # the absorbed incident's alerts move; it is no longer one
                incident["alerts"] |= incidents.pop(command.absorbed_key)["alerts"]
            if command.kind in (CommandKind.OPEN, CommandKind.ATTACH):
                incident["alerts"].add(key)
            if command.facts is not None:
                incident["facts"] = command.facts
            if command.kind in (CommandKind.RESOLVE, CommandKind.REOPEN):
                incident["status"] = "resolved" if command.kind is CommandKind.RESOLVE else "open"
        found = tuple(
            FoundIncident(
                alerts=frozenset(each["alerts"]), root=each["facts"].root, category=each["facts"].category,
                priority=each["facts"].priority, major=each["facts"].major, status=each["status"],
                opened_at=each["opened_at"], pages=1,
            )
            for each in incidents.values()
        )
        return Outcome(found, suppressed, dict(self.first_received))


def run_engine(scenario: Scenario, lines: Sequence[ScenarioLine] | None = None) -> EngineRun:
    """Feed `lines` (default: the scenario's) through normalize → dedupe → correlate, ticking the clock as the shell does."""
    correlator, run = _correlator(scenario), EngineRun()
    scopes: dict[str, ScopeState] = {}

    def advance(to: datetime) -> None:
        while True:
            due = [d for state in scopes.values() if (d := correlator.next_deadline(state)) is not None and d <= to]
            if not due:
                return
            now = min(due)
            for state in scopes.values():
                run.commands.extend(correlator.tick(state, now))

    for now, change in _changes(scenario, lines, run):
        advance(now)
        state = scopes.setdefault(change.scope, ScopeState(change.scope))
        run.commands.extend(correlator.apply(state, change, now))
    advance(_end(scenario))
    return run


def run_backlog(scenario: Scenario) -> EngineRun:
    """The scenario's changes correlated all at once, after the last of them, as a worker catching up would."""
    correlator, run = _correlator(scenario), EngineRun()
    scopes: dict[str, ScopeState] = {}
    for _, change in list(_changes(scenario, None, run)):
        state = scopes.setdefault(change.scope, ScopeState(change.scope))
        run.commands.extend(correlator.correlate(state, change, wall_now=_end(scenario)))
    for state in scopes.values():
        run.commands.extend(correlator.tick_until(state, _end(scenario)))
    return run


def _correlator(scenario: Scenario) -> Correlator:
    return Correlator(load_topology_files([scenario.topology_file]), engine_config(SETTINGS), _suppressor(scenario))


def _changes(
    scenario: Scenario, lines: Sequence[ScenarioLine] | None, run: EngineRun
) -> Iterator[tuple[datetime, AlertChange]]:
    """Each line's alerts normalized and deduped at the line's time: (that time, change), in order."""
    flaps = FlapPolicy(
        window=timedelta(seconds=SETTINGS.flap_window_s), flap_threshold=SETTINGS.flap_threshold,
        unflap_threshold=SETTINGS.unflap_threshold, quiet=timedelta(seconds=SETTINGS.flap_quiet_s),
    )
    dedupe_states: dict[str, DedupeState] = {}
    for line in lines if lines is not None else scenario.lines:
        now = T0 + timedelta(seconds=line.at)
        for alert in normalize(Envelope(line.source, now, CONTENT_TYPE, line.body, uuid.uuid4().hex)).alerts:
            run.first_received.setdefault((alert.resource, alert.name), now)
            decision = dedupe(dedupe_states.get(alert.fingerprint), alert, now=now, policy=flaps)
            dedupe_states[alert.fingerprint] = decision.state
            for change in decision.changes:
                yield now, change


def _end(scenario: Scenario) -> datetime:
    """When every hold-down of the scenario has ended: a second past the last line's hold-down."""
    last = T0 + timedelta(seconds=max((line.at for line in scenario.lines), default=0))
    return last + engine_config(SETTINGS).hold_down + timedelta(seconds=1)


def _suppressor(scenario: Scenario):
    """The scenario's setup as the catalogue would hold it, the replay starting at T0."""
    silences, windows = [], []
    for index, step in enumerate(scenario.expected.setup):
        if step.path == "/api/silences":
            silences.append(silence_from_json(step.body(T0), silence_id=f"silence-{index}", now=T0))
        else:
            windows.append(window_from_json(step.body(T0), window_id=f"window-{index}", now=T0))
    rules = SuppressionRules.build(silences, windows, ())

    def suppressor(labels: Mapping[str, str], component_ids: frozenset[str], now: datetime) -> Disposition | None:
        found = rules.suppression(labels, component_ids, now)
        return None if found is None else Disposition(DispositionKind(str(found.kind)), found.reason, found.by, found.until)

    return suppressor


def grouping(run: EngineRun) -> tuple[frozenset, frozenset]:
    """What the run decided, independent of ids and times: (incidents as (root, alerts)), suppressed alerts."""
    outcome = run.outcome()
    return (
        frozenset((incident.root, incident.alerts) for incident in outcome.incidents),
        frozenset(outcome.suppressed.items()),
    )


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_meets_its_expectations_in_the_engine(name: str) -> None:
    scenario = SCENARIOS[name]
    result = score(scenario.expected, run_engine(scenario).outcome())
    assert result.failures == ()
    assert result.matched == result.expected and result.precision == 1.0 and result.recall == 1.0


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_backlog_correlated_at_once_groups_as_it_would_have_live(name: str) -> None:
    # A worker that takes over a partition, or catches up after a stall, correlates minutes of
    # changes in one go: at their receive times they make the incidents the live run made.
    scenario = SCENARIOS[name]
    backlog, live = run_backlog(scenario), run_engine(scenario)
    assert grouping(backlog) == grouping(live)
    assert score(scenario.expected, backlog.outcome()).failures == ()
    def opened(run: EngineRun) -> list[datetime]:
        return [c.issued_at for c in run.commands if c.kind in (CommandKind.OPEN, CommandKind.REOPEN)]

    assert opened(backlog) == opened(live)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_alert_ends_in_exactly_one_incident_or_is_suppressed(name: str) -> None:
    scenario = SCENARIOS[name]
    outcome = run_engine(scenario).outcome()
    places = [key for incident in outcome.incidents for key in incident.alerts] + list(outcome.suppressed)
    assert sorted(places) == sorted(set(places)), "an alert is in two places"
    assert set(places) == set(outcome.first_received), "an alert is nowhere: neither in an incident nor suppressed"


def test_scenario_files_account_for_every_alert_they_send() -> None:
    for scenario in SCENARIOS.values():
        sent = {key for keys in scenario.keys_by_line.values() for key in keys}
        assert sent == scenario.expected.alert_keys, scenario.name


def test_the_suite_has_a_site_per_scenario_and_at_least_ten_scenarios() -> None:
    assert len(SCENARIOS) >= 10
    assert len({scenario.expected.site for scenario in SCENARIOS.values()}) == len(SCENARIOS)


def _fires_only(line: ScenarioLine) -> bool:
    """True when every alert of the line fires (a resolve must stay after what it resolves)."""
    alerts = normalize(Envelope(line.source, T0 + timedelta(seconds=line.at), CONTENT_TYPE, line.body, "check")).alerts
    return all(alert.status is AlertStatus.FIRING for alert in alerts)


def _bursts(lines: Sequence[ScenarioLine], window: float) -> list[list[int]]:
    """Runs of consecutive firing-only lines (indexes) that arrive within `window` of the run's first line."""
    bursts: list[list[int]] = []
    for index, line in enumerate(lines):
        current = bursts[-1] if bursts else None
        if not _fires_only(line):
            continue
        if current and current[-1] == index - 1 and lines[current[0]].at + window > line.at:
            current.append(index)
        else:
            bursts.append([index])
    return [burst for burst in bursts if len(burst) > 1]


def _reordered(scenario: Scenario, orders: Sequence[Sequence[int]]) -> list[ScenarioLine]:
    """The scenario's lines with each burst's lines sent in `orders` (line indexes), in the same time slots."""
    lines = list(scenario.lines)
    for order in orders:
        burst = sorted(order)
        for index, source in zip(burst, order):
            lines[index] = replace(scenario.lines[source], at=scenario.lines[index].at)
    return lines


PERMUTABLE = {
    name: bursts for name, scenario in SCENARIOS.items() if (bursts := _bursts(scenario.lines, SETTINGS.correlation_hold_down_s))
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_order_of_alerts_within_the_hold_down_does_not_change_the_grouping(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(PERMUTABLE)), label="scenario")
    scenario = SCENARIOS[name]
    orders = [data.draw(st.permutations(burst), label=f"burst {burst}") for burst in PERMUTABLE[name]]
    assert grouping(run_engine(scenario, _reordered(scenario, orders))) == grouping(run_engine(scenario))


def test_the_suite_has_bursts_to_permute() -> None:
    assert {"ac-failure", "pdu-trip", "two-failures", "maintenance-ups"} <= set(PERMUTABLE)


def test_core_switch_hosts_before_both_uplinks_still_make_one_incident() -> None:
    # Hosts behind switch A open an incident inferred at A, switch B's uplink opens another, and the
    # late core-switch alert re-roots the older one at the core and merges the other into it.
    scenario = SCENARIOS["core-switch"]
    hosts_first = [[2, 1, 0, 3, 4]]  # web hosts, then switch B's uplink, then switch A's, then the app hosts
    run = run_engine(scenario, _reordered(scenario, hosts_first))
    assert grouping(run) == grouping(run_engine(scenario))
    assert [command.kind for command in run.commands].count(CommandKind.MERGE) == 1


@pytest.mark.parametrize("order", list(itertools.permutations(range(5))), ids=lambda order: "".join(map(str, order)))
def test_core_switch_makes_one_incident_whatever_the_order_of_its_burst(order: tuple[int, ...]) -> None:
    scenario = SCENARIOS["core-switch"]
    assert PERMUTABLE["core-switch"] == [[0, 1, 2, 3, 4]]
    assert grouping(run_engine(scenario, _reordered(scenario, [order]))) == grouping(run_engine(scenario))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenarios_in_their_written_order_need_no_merge(name: str) -> None:
    # The end-to-end suite scores incidents read back from the API: a merged (closed) incident would count there.
    assert CommandKind.MERGE not in {command.kind for command in run_engine(SCENARIOS[name]).commands}
