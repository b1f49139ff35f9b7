"""The correlation engine, rule by rule, with a fake clock (explicit `now`s) and a small machine room."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from streams.alerts.model import ChangeKind
from streams.correlation.commands import CommandKind, Disposition, DispositionKind
from streams.correlation.engine import Correlator, EngineConfig
from streams.correlation.state import ScopeState
from streams.correlation.topology import Topology
from tests.correlation.engine_fixtures import T0, alert, change, room, seconds

OPEN, ATTACH, HOLD, SUPPRESS = CommandKind.OPEN, CommandKind.ATTACH, CommandKind.HOLD, CommandKind.SUPPRESS
REROOT, PRIORITIZE, RESOLVE_ALERT, RESOLVE = CommandKind.REROOT, CommandKind.PRIORITIZE, CommandKind.RESOLVE_ALERT, CommandKind.RESOLVE
REOPEN = CommandKind.REOPEN


def engine(topology: Topology | None = None, **config) -> tuple[Correlator, ScopeState]:
    return Correlator(topology or room(), EngineConfig(**config)), ScopeState("dc1")


def kinds(commands) -> list[CommandKind]:
    return [command.kind for command in commands if command.kind is not PRIORITIZE]


def received(name: str, resource: str, t: float, *, status: str = "firing", started: float = 0, **labels):
    """The change for an alert alertdesk received at T0 + t (a resolve of the occurrence started at `started`)."""
    if status == "firing":
        return change(alert(name, resource, at=T0 + seconds(t), **labels))
    resolved = alert(name, resource, at=T0 + seconds(started), status="resolved", **labels)
    return change(replace(resolved, ends_at=T0 + seconds(t), received_at=T0 + seconds(t)))


def fire(c: Correlator, s: ScopeState, name: str, resource: str, t: float, **labels):
    return c.apply(s, received(name, resource, t, **labels), T0 + seconds(t))


def clear(c: Correlator, s: ScopeState, name: str, resource: str, t: float, started: float = 0, **labels):
    return c.apply(s, received(name, resource, t, status="resolved", started=started, **labels), T0 + seconds(t))


# ---------------------------------------------------------------- label grouping (no topology)

def test_alerts_without_topology_group_by_name_and_site_like_the_spine() -> None:
    c, s = engine(Topology((), ()))
    assert kinds(fire(c, s, "DiskFull", "h1", 0)) == [OPEN]
    assert kinds(fire(c, s, "DiskFull", "h2", 1)) == [ATTACH]
    assert kinds(fire(c, s, "DiskFull", "h3", 1, site="dc2")) == [OPEN]
    assert kinds(clear(c, s, "DiskFull", "h1", 2)) == [RESOLVE_ALERT]
    assert kinds(clear(c, s, "DiskFull", "h2", 3, started=1)) == [RESOLVE_ALERT, RESOLVE]
    opened = fire(c, s, "OOM", "h1", 0)
    assert opened[0].group_key == "OOM@dc1" and opened[0].title == "OOM at site dc1"


def test_group_wait_collects_a_burst_into_the_first_incident() -> None:
    c, s = engine(Topology((), ()), group_wait=seconds(30))
    assert kinds(fire(c, s, "DiskFull", "h1", 0)) == [HOLD]
    assert kinds(fire(c, s, "DiskFull", "h2", 5)) == [HOLD]
    assert c.tick(s, T0 + seconds(29)) == []
    released = c.tick(s, T0 + seconds(30))
    assert kinds(released) == [OPEN, ATTACH]
    assert len({command.incident_key for command in released}) == 1


# ----------------------------------------------------------------------------- topology rules

def test_a_symptom_holds_down_then_opens_its_own_incident_when_no_cause_comes() -> None:
    c, s = engine()
    held = fire(c, s, "NodeDown", "web-01", 0)
    assert kinds(held) == [HOLD] and held[0].disposition.kind is DispositionKind.HELD
    assert c.next_deadline(s) == T0 + seconds(5)
    assert c.tick(s, T0 + seconds(4)) == []
    opened = c.tick(s, T0 + seconds(5))
    assert kinds(opened) == [OPEN] and opened[0].facts.root == "web-01"


def test_a_known_cause_takes_its_symptoms_without_new_incidents() -> None:
    c, s = engine()
    opened = fire(c, s, "UPSOnBattery", "ups-1", 0)
    assert kinds(opened) == [HOLD]  # ups-1 has a plausible cause itself: the utility
    held_symptom = fire(c, s, "PDUPowerLoss", "pdu-a01", 1)
    assert kinds(held_symptom) == [OPEN, ATTACH]
    assert held_symptom[0].facts.root == "ups-1" and held_symptom[1].symptom
    for t, resource in enumerate(["web-01", "web-02", "db-01"], start=2):
        assert kinds(fire(c, s, "NodeDown", resource, t)) == [ATTACH]
    assert len(s.clusters) == 1


def test_a_cause_arriving_after_its_symptoms_reroots_the_incident() -> None:
    c, s = engine(hold_down=timedelta(0))
    first = fire(c, s, "NodeDown", "web-01", 0)
    assert kinds(first) == [OPEN] and first[0].facts.root == "web-01"
    late = fire(c, s, "PDUPowerLoss", "pdu-a01", 10)
    assert kinds(late) == [REROOT, ATTACH]
    assert late[0].facts.root == "pdu-a01" and not late[0].facts.inferred
    assert late[0].incident_key == first[0].incident_key and late[0].group_key == "root:pdu-a01"


def _two_pdu_incidents_then_their_ups():
    """pdu-a01 and pdu-b01 each open an incident (no hold-down, no shared-cause window), then ups-1 fires."""
    c, s = engine(hold_down=seconds(0), window=seconds(0))
    first = fire(c, s, "PDUPowerLoss", "pdu-a01", 0)
    second = fire(c, s, "PDUPowerLoss", "pdu-b01", 1)
    return c, s, first[0].incident_key, second[0].incident_key, fire(c, s, "UPSOnBattery", "ups-1", 2)


def test_a_late_cause_of_two_incidents_merges_them_into_the_rerooted_one() -> None:
    c, s, older, younger, commands = _two_pdu_incidents_then_their_ups()
    assert kinds(commands) == [REROOT, CommandKind.MERGE, ATTACH]
    merge = commands[1]
    assert (merge.incident_key, merge.absorbed_key) == (older, younger)
    assert list(s.clusters) == [older] and s.clusters[older].root == "ups-1"
    members = s.clusters[older].members
    assert len(members) == 3 and members[alert("PDUPowerLoss", "pdu-b01").fingerprint].symptom  # moved as a symptom
    resolved = clear(c, s, "PDUPowerLoss", "pdu-b01", 3, started=1)
    assert kinds(resolved) == [RESOLVE_ALERT] and resolved[0].incident_key == older  # no orphan on the absorbed one


def test_a_merge_is_issued_once_and_replays_identically() -> None:
    *_, commands = _two_pdu_incidents_then_their_ups()
    *_, again = _two_pdu_incidents_then_their_ups()
    assert [command.command_id for command in commands] == [command.command_id for command in again]
    c, s, *_ = _two_pdu_incidents_then_their_ups()
    assert CommandKind.MERGE not in kinds(fire(c, s, "UPSOnBattery", "ups-1", 4))  # nothing left to merge


def test_an_incident_the_new_root_does_not_explain_is_not_merged() -> None:
    c, s = engine(hold_down=seconds(0), window=seconds(0))
    fire(c, s, "NodeTemperatureHigh", "web-01", 0)  # cooling: ups-1 is no plausible cause
    fire(c, s, "PDUPowerLoss", "pdu-b01", 1)
    assert kinds(fire(c, s, "UPSOnBattery", "ups-1", 2)) == [REROOT, ATTACH]
    assert len(s.clusters) == 2


def test_the_roots_own_alert_gives_a_rerooted_incident_its_category() -> None:
    c, s = engine()
    assert kinds(fire(c, s, "NodeDown", "web-01", 0)) == [HOLD]
    inferred = fire(c, s, "NodeDown", "web-02", 0.5)
    assert inferred[0].facts.category == "availability"
    confirmed = fire(c, s, "PDUBreakerTripped", "pdu-a01", 1)
    assert kinds(confirmed) == [REROOT, ATTACH]
    assert (confirmed[0].facts.root, confirmed[0].facts.category) == ("pdu-a01", "power")


def test_a_root_alert_that_says_nothing_about_what_broke_keeps_the_category() -> None:
    c, s = engine()
    fire(c, s, "NodeDown", "web-01", 0)
    fire(c, s, "NodeDown", "web-02", 0.5)
    unclear = fire(c, s, "FirmwareOutdated", "pdu-a01", 1)
    assert kinds(unclear) == [REROOT, ATTACH]
    assert (unclear[0].facts.root, unclear[0].facts.category) == ("pdu-a01", "availability")


def test_probes_of_one_cooling_zone_make_one_incident_naming_its_air_conditioner() -> None:
    c, s = engine()
    assert kinds(fire(c, s, "NodeTemperatureHigh", "temp-a1", 0)) == [HOLD]
    together = fire(c, s, "NodeTemperatureHigh", "temp-a2", 1)
    assert kinds(together) == [OPEN, ATTACH]
    facts = together[0].facts
    assert (facts.root, facts.inferred, facts.category) == ("ac-03", True, "cooling")
    assert together[0].title == "Cooling incident: probable cause 3号精密空调 [ac-03]"
    assert kinds(fire(c, s, "CPUThrottling", "web-01", 2)) == [ATTACH]
    confirmed = fire(c, s, "AirConditionerFault", "ac-03", 3)
    assert kinds(confirmed) == [REROOT, ATTACH] and not confirmed[0].facts.inferred


def test_unrelated_failures_stay_apart() -> None:
    c, s = engine(hold_down=timedelta(0))
    ups = fire(c, s, "UPSOnBattery", "ups-1", 0)
    leak = fire(c, s, "WaterLeakDetected", "temp-a1", 1)
    disk = fire(c, s, "DiskFull", "web-02", 2)
    keys = {ups[0].incident_key, leak[0].incident_key, disk[0].incident_key}
    assert len(keys) == 3


def test_a_temperature_alert_is_not_blamed_on_the_ups() -> None:
    c, s = engine(hold_down=timedelta(0))
    fire(c, s, "UPSOnBattery", "ups-1", 0)
    hot = fire(c, s, "NodeTemperatureHigh", "web-01", 1)
    assert kinds(hot) == [OPEN] and hot[0].facts.root == "web-01"


def test_a_resolve_reaches_the_incident_even_for_an_inhibited_symptom() -> None:
    c, s = engine(hold_down=timedelta(0))
    fire(c, s, "PDUPowerLoss", "pdu-a01", 0)
    fire(c, s, "NodeDown", "web-01", 1)
    resolved = clear(c, s, "NodeDown", "web-01", 5, started=1)
    assert kinds(resolved) == [RESOLVE_ALERT]
    assert kinds(clear(c, s, "PDUPowerLoss", "pdu-a01", 6)) == [RESOLVE_ALERT, RESOLVE]


def test_an_alert_resolving_while_held_is_recorded_not_paged() -> None:
    c, s = engine()
    fire(c, s, "NodeDown", "web-01", 0)
    recorded = clear(c, s, "NodeDown", "web-01", 2)
    assert kinds(recorded) == [SUPPRESS] and recorded[0].disposition.kind is DispositionKind.EXPIRED_HOLD
    assert c.tick(s, T0 + seconds(10)) == []


def test_quiet_period_then_auto_resolve_and_reopen_within_the_window() -> None:
    c, s = engine(Topology((), ()), quiet_period=seconds(60), reopen_window=seconds(300))
    fire(c, s, "DiskFull", "h1", 0)
    assert kinds(clear(c, s, "DiskFull", "h1", 10)) == [RESOLVE_ALERT]
    assert c.tick(s, T0 + seconds(69)) == []
    assert kinds(c.tick(s, T0 + seconds(70))) == [RESOLVE]
    again = fire(c, s, "DiskFull", "h1", 100)
    assert kinds(again) == [REOPEN, ATTACH]
    c.apply(s, change(alert("DiskFull", "h1", at=T0 + seconds(100), status="resolved")), T0 + seconds(110))
    c.tick(s, T0 + seconds(170))
    assert c.tick(s, T0 + seconds(470)) == [] and s.clusters == {}
    assert kinds(fire(c, s, "DiskFull", "h1", 500)) == [OPEN]


def test_a_refire_during_the_quiet_period_keeps_the_incident_open() -> None:
    c, s = engine(Topology((), ()), quiet_period=seconds(60))
    fire(c, s, "DiskFull", "h1", 0)
    clear(c, s, "DiskFull", "h1", 10)
    assert kinds(fire(c, s, "DiskFull", "h1", 20)) == [ATTACH]
    assert c.tick(s, T0 + seconds(200)) == []


# ------------------------------------------------------------------------------- suppression

def test_suppressed_alerts_are_recorded_and_rechecked_when_the_silence_ends() -> None:
    ends = T0 + seconds(60)

    def suppressor(labels, components, now):
        if "ups-1" in components and now < ends:
            return Disposition(DispositionKind.MAINTENANCE, "maintenance m1 by li.lei: UPS battery swap", "m1", ends)
        return None

    c = Correlator(room(), EngineConfig(hold_down=timedelta(0)), suppressor)
    s = ScopeState("dc1")
    muted = fire(c, s, "NodeDown", "web-01", 0)  # web-01 is fed through ups-1: a dependant of the window
    assert kinds(muted) == [SUPPRESS] and muted[0].disposition.by == "m1"
    assert c.tick(s, T0 + seconds(30)) == []
    assert kinds(c.tick(s, T0 + seconds(61))) == [OPEN]


def test_a_resolve_of_a_suppressed_alert_is_recorded() -> None:
    def suppressor(labels, components, now):
        return Disposition(DispositionKind.SILENCED, "silence s1", "s1", T0 + seconds(999))

    c = Correlator(room(), EngineConfig(), suppressor)
    s = ScopeState("dc1")
    fire(c, s, "DiskFull", "web-01", 0)
    resolved = clear(c, s, "DiskFull", "web-01", 5)
    assert kinds(resolved) == [SUPPRESS] and resolved[0].alert.status == "resolved"
    assert s.suppressed == {}


# ------------------------------------------------------------------------------ priority, ids

def test_priority_grows_with_the_incident_and_major_is_declared() -> None:
    c, s = engine(hold_down=timedelta(0))
    first = fire(c, s, "DiskFull", "db-01", 0, severity="warning")
    assert first[0].facts.priority == "P5" and not first[0].facts.major
    worse = fire(c, s, "DiskFull", "db-01", 1, severity="critical", mount="/data")
    prioritized = [command for command in worse if command.kind is PRIORITIZE]
    assert prioritized and prioritized[0].facts.priority == "P3"


def test_ups_on_battery_is_major_with_the_services_it_puts_at_risk() -> None:
    c, s = engine(hold_down=timedelta(0))
    opened = fire(c, s, "UPSOnBattery", "ups-1", 0)
    facts = opened[0].facts
    assert facts.major and facts.priority == "P1" and "banking" in facts.services and facts.affected >= 4


def test_replaying_the_same_changes_gives_the_same_commands() -> None:
    def run():
        c, s = engine()
        out = []
        for t, (name, resource) in enumerate([("NodeTemperatureHigh", "temp-a1"), ("NodeTemperatureHigh", "temp-a2"),
                                               ("NodeDown", "app-01"), ("UPSOnBattery", "ups-1")]):
            out += fire(c, s, name, resource, t)
        out += c.tick(s, T0 + seconds(30))
        return [(command.kind, command.command_id, command.incident_key) for command in out]

    assert run() == run()


@pytest.mark.parametrize("kind", [ChangeKind.NEW, ChangeKind.SEVERITY, ChangeKind.FLAPPING])
def test_firing_kinds_open_or_attach(kind: ChangeKind) -> None:
    c, s = engine(Topology((), ()))
    commands = c.apply(s, change(alert("DiskFull", "h1"), kind), T0)
    assert kinds(commands) == [OPEN]


def test_every_hop_of_a_cause_must_explain_the_category() -> None:
    from streams.correlation.categories import Category
    from streams.correlation.topology_files import load_topology_files

    example = load_topology_files(["deploy/topology/example-dc1.yaml", "deploy/topology/example-dc1-servers.csv"])
    c = Correlator(example)
    cooling = [u.component.id for u in c.index.causes("web-01", Category.COOLING)]
    assert cooling == ["zone-a", "ac-03", "ac-04"]  # not the UPS room's zone-p, reached through the power feed
    assert "zone-p" in [u.component.id for u in c.index.causes("web-01", Category.AVAILABILITY)]


# ------------------------------------------------------------------------------- event time

def test_a_backlog_is_correlated_at_the_times_its_alerts_were_received() -> None:
    # Correlated a minute late, at once: the resolve 14 s on still finds the alert released from its hold-down.
    c, s = engine()
    late = T0 + seconds(60)
    assert kinds(c.correlate(s, received("NodeDown", "web-01", 0), late)) == [HOLD]
    resolved = c.correlate(s, received("NodeDown", "web-01", 14, status="resolved"), late)
    assert kinds(resolved) == [OPEN, RESOLVE_ALERT, RESOLVE]
    times = [command.issued_at for command in resolved if command.kind is not PRIORITIZE]
    assert times == [T0 + seconds(5), T0 + seconds(14), T0 + seconds(14)]
    assert s.clock == T0 + seconds(14)
    # The same changes in processing time: the resolve comes while the alert is still held.
    c, s = engine()
    c.apply(s, received("NodeDown", "web-01", 0), late)
    assert kinds(c.apply(s, received("NodeDown", "web-01", 14, status="resolved"), late)) == [SUPPRESS]


def test_a_scopes_clock_never_goes_back_and_never_runs_ahead_of_the_wall_clock() -> None:
    c, s = engine(Topology((), ()))
    assert c.correlate(s, received("DiskFull", "h1", 100), T0 + seconds(50))[0].issued_at == T0 + seconds(50)
    assert c.correlate(s, received("DiskFull", "h2", 20), T0 + seconds(60))[0].issued_at == T0 + seconds(50)
    assert s.clock == T0 + seconds(50)
    assert c.tick_until(s, T0 + seconds(40)) == [] and s.clock == T0 + seconds(50)


def test_the_timer_ticks_at_each_deadline_on_the_way_to_now() -> None:
    c, s = engine()
    c.correlate(s, received("NodeDown", "web-01", 0), T0)
    opened = c.tick_until(s, T0 + seconds(60))
    assert kinds(opened) == [OPEN] and opened[0].issued_at == T0 + seconds(5)
    assert s.clock == T0 + seconds(60)


def test_the_timer_rechecks_suppressions_at_wall_clock_time() -> None:
    ends = T0 + seconds(30)

    def suppressor(labels, components, now):
        return Disposition(DispositionKind.SILENCED, "silence s1", "s1", ends) if now < ends else None

    c, s = Correlator(room(), EngineConfig(), suppressor), ScopeState("dc1")
    assert kinds(c.correlate(s, received("DiskFull", "web-01", 0), T0)) == [SUPPRESS]
    assert c.tick_until(s, T0 + seconds(29)) == []
    assert kinds(c.tick_until(s, T0 + seconds(31))) == [OPEN]


def test_a_replayed_firing_change_of_a_resolved_occurrence_changes_nothing() -> None:
    # A worker taking over a partition re-reads changes the dead one applied: the incident stays resolved.
    c, s = engine(Topology((), ()))
    first = received("DiskFull", "h1", 0)
    c.correlate(s, first, T0)
    resolved = received("DiskFull", "h1", 10, status="resolved")
    assert kinds(c.correlate(s, resolved, T0 + seconds(10))) == [RESOLVE_ALERT, RESOLVE]
    assert c.correlate(s, first, T0 + seconds(20)) == []
    assert kinds(c.correlate(s, received("DiskFull", "h1", 30), T0 + seconds(30))) == [REOPEN, ATTACH]
