"""grouping: open, attach and resolve incidents per alert name and site, with stable ids."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from streams.alerts.model import Alert, AlertChange, AlertStatus, ChangeKind, Severity
from streams.correlation.commands import CommandKind
from streams.correlation.grouping import GroupDecision, GroupState, correlate, group_key

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
T0 = NOW - timedelta(minutes=5)
NEW, RESOLVED, SEVERITY = ChangeKind.NEW, ChangeKind.RESOLVED, ChangeKind.SEVERITY
OPEN, ATTACH, RESOLVE_ALERT, RESOLVE = (
    CommandKind.OPEN, CommandKind.ATTACH, CommandKind.RESOLVE_ALERT, CommandKind.RESOLVE,
)


def change(kind: ChangeKind, fingerprint: str = "f1", severity: Severity = Severity.MAJOR,
           site: str = "dc1", starts_at: datetime = T0) -> AlertChange:
    alert = Alert(
        fingerprint=fingerprint, source="generic",
        status=AlertStatus.RESOLVED if kind is RESOLVED else AlertStatus.FIRING,
        severity=severity, name="HighTemperature", resource=fingerprint,
        location={"site": site} if site else {}, labels={}, annotations={},
        starts_at=starts_at, received_at=NOW,
    )
    return AlertChange(kind=kind, alert=alert, scope=site or "-", change_id=f"{kind}-{fingerprint}-{starts_at}")


def run(*changes: AlertChange) -> tuple[GroupState | None, list[list[CommandKind]], list]:
    state, kinds, commands = None, [], []
    for item in changes:
        decision = correlate(state, item, now=NOW)
        state = decision.state
        kinds.append([command.kind for command in decision.commands])
        commands += decision.commands
    return state, kinds, commands


@pytest.mark.parametrize(
    ("changes", "expected", "open_after"),
    [
        ([change(NEW)], [[OPEN]], {"f1"}),
        ([change(NEW), change(NEW, "f2")], [[OPEN], [ATTACH]], {"f1", "f2"}),
        ([change(NEW), change(SEVERITY, severity=Severity.CRITICAL)], [[OPEN], [ATTACH]], {"f1"}),
        ([change(SEVERITY)], [[OPEN]], {"f1"}),  # group state lost while the alert kept firing
        ([change(NEW), change(RESOLVED)], [[OPEN], [RESOLVE_ALERT, RESOLVE]], None),
        ([change(NEW), change(NEW, "f2"), change(RESOLVED)], [[OPEN], [ATTACH], [RESOLVE_ALERT]], {"f2"}),
        ([change(NEW), change(NEW, "f2"), change(RESOLVED), change(RESOLVED, "f2")],
         [[OPEN], [ATTACH], [RESOLVE_ALERT], [RESOLVE_ALERT, RESOLVE]], None),
        ([change(RESOLVED)], [[]], None),
        ([change(NEW), change(RESOLVED, "f9")], [[OPEN], []], {"f1"}),
    ],
)
def test_sequences(changes: list[AlertChange], expected: list, open_after: set[str] | None) -> None:
    state, kinds, _ = run(*changes)
    assert kinds == expected
    assert (state.open_fingerprints if state else None) == open_after


def test_commands_carry_the_incident() -> None:
    decision = correlate(None, change(NEW), now=NOW)
    assert isinstance(decision, GroupDecision)
    [command] = decision.commands
    assert command.incident_key == decision.state.incident_key
    assert (command.group_key, command.title) == ("HighTemperature@dc1", "HighTemperature at site dc1")
    assert (command.severity, command.issued_at, command.alert) == (Severity.MAJOR, NOW, change(NEW).alert)


def test_title_is_stable_and_severity_is_the_highest_seen() -> None:
    state, _, commands = run(
        change(NEW, severity=Severity.WARNING), change(NEW, "f2", severity=Severity.CRITICAL),
        change(SEVERITY, "f2", severity=Severity.MINOR),
    )
    assert {command.title for command in commands} == {"HighTemperature at site dc1"}
    assert [command.severity for command in commands] == [Severity.WARNING, Severity.CRITICAL, Severity.CRITICAL]
    assert state.severity is Severity.CRITICAL


def test_title_without_site() -> None:
    decision = correlate(None, change(NEW, site=""), now=NOW)
    assert decision.commands[0].title == "HighTemperature"
    assert decision.commands[0].group_key == "HighTemperature@-"


def test_ids_are_deterministic_and_a_reopened_group_is_a_new_incident() -> None:
    _, _, first = run(change(NEW), change(NEW, "f2"), change(RESOLVED), change(RESOLVED, "f2"))
    _, _, replay = run(change(NEW), change(NEW, "f2"), change(RESOLVED), change(RESOLVED, "f2"))
    assert [command.command_id for command in first] == [command.command_id for command in replay]
    assert len({command.command_id for command in first}) == len(first)
    assert len({command.incident_key for command in first}) == 1
    _, _, again = run(change(NEW, starts_at=NOW))
    assert again[0].incident_key != first[0].incident_key


def test_group_key() -> None:
    assert group_key(change(NEW).alert) == "HighTemperature@dc1"


def test_state_round_trip() -> None:
    state = GroupState("k1", "HighTemperature at site dc1", Severity.CRITICAL, frozenset({"b", "a"}))
    assert state.to_dict()["open_fingerprints"] == ["a", "b"]
    assert GroupState.from_dict(state.to_dict()) == state
