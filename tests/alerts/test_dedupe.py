"""dedupe: one change per transition, replay-stable change ids, late duplicates ignored."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from streams.alerts.dedupe import DedupeDecision, DedupeState, correlation_scope, dedupe, only_counted
from streams.alerts.model import Alert, AlertChange, AlertStatus, ChangeKind, Severity

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
T0 = NOW - timedelta(minutes=5)
FIRING, RESOLVED = AlertStatus.FIRING, AlertStatus.RESOLVED


def alert(status: AlertStatus = FIRING, severity: Severity = Severity.MAJOR, starts_at: datetime = T0,
          ends_at: datetime | None = None, site: str = "dc1", received_at: datetime = NOW) -> Alert:
    return Alert(
        fingerprint="f1", source="generic", status=status, severity=severity, name="HighTemperature",
        resource="s1", location={"site": site} if site else {}, labels={"alertname": "HighTemperature"},
        annotations={}, starts_at=starts_at, received_at=received_at, ends_at=ends_at,
    )


def single(decision: DedupeDecision) -> AlertChange | None:
    """The one change a non-flapping alert may cause, or None."""
    assert len(decision.changes) <= 1
    return decision.changes[0] if decision.changes else None


def run(*alerts: Alert, state: DedupeState | None = None) -> tuple[DedupeState, list]:
    changes = []
    for index, item in enumerate(alerts):
        decision = dedupe(state, item, now=NOW + timedelta(seconds=index))
        state = decision.state
        change = single(decision)
        changes.append(change.kind if change else None)
    return state, changes


def firing_state(**changes: object) -> DedupeState:
    return replace(DedupeState(FIRING, Severity.MAJOR, T0, NOW, NOW, 1), **changes)


@pytest.mark.parametrize(
    ("state", "incoming", "kind", "status"),
    [
        (None, alert(), ChangeKind.NEW, FIRING),
        (firing_state(), alert(), None, FIRING),
        (firing_state(), alert(severity=Severity.CRITICAL), ChangeKind.SEVERITY, FIRING),
        (firing_state(), alert(RESOLVED, ends_at=NOW), ChangeKind.RESOLVED, RESOLVED),
        (firing_state(), alert(RESOLVED, ends_at=T0 - timedelta(seconds=1)), None, FIRING),  # older occurrence
        (None, alert(RESOLVED, ends_at=NOW), None, RESOLVED),
        (firing_state(status=RESOLVED), alert(RESOLVED, ends_at=NOW), None, RESOLVED),
        (firing_state(status=RESOLVED), alert(starts_at=NOW), ChangeKind.NEW, FIRING),  # new occurrence
        (firing_state(status=RESOLVED), alert(starts_at=T0), None, RESOLVED),  # late duplicate
    ],
)
def test_transitions(state: DedupeState | None, incoming: Alert, kind: ChangeKind | None, status: AlertStatus) -> None:
    decision = dedupe(state, incoming, now=NOW)
    assert isinstance(decision, DedupeDecision)
    change = single(decision)
    assert (change.kind if change else None) == kind
    assert decision.state.status is status
    assert decision.state.last_seen == NOW


def test_thousand_identical_alerts_give_one_new() -> None:
    state, changes = run(*[alert()] * 1000)
    assert changes[0] is ChangeKind.NEW
    assert [change for change in changes if change] == [ChangeKind.NEW]
    assert state.count == 1000
    assert (state.first_seen, state.last_seen) == (NOW, NOW + timedelta(seconds=999))


def test_full_life() -> None:
    later = T0 + timedelta(hours=1)
    _, changes = run(
        alert(), alert(severity=Severity.CRITICAL), alert(severity=Severity.CRITICAL),
        alert(RESOLVED, ends_at=NOW), alert(RESOLVED, ends_at=NOW), alert(starts_at=later),
    )
    assert changes == [ChangeKind.NEW, ChangeKind.SEVERITY, None, ChangeKind.RESOLVED, None, ChangeKind.NEW]


def test_change_fields_and_ids() -> None:
    first = single(dedupe(None, alert(), now=NOW))
    assert (first.scope, first.repeat_count, first.alert) == ("dc1", 1, alert())
    # Replays and rebuilds after state loss give the same id; a new occurrence a new one.
    assert single(dedupe(None, alert(), now=NOW + timedelta(hours=1))).change_id == first.change_id
    later = single(dedupe(firing_state(status=RESOLVED), alert(starts_at=NOW), now=NOW))
    assert later.change_id != first.change_id
    resolved = single(dedupe(firing_state(), alert(RESOLVED, ends_at=NOW), now=NOW))
    assert len({first.change_id, later.change_id, resolved.change_id}) == 3


def test_each_severity_move_has_its_own_id() -> None:
    up = single(dedupe(firing_state(), alert(severity=Severity.CRITICAL), now=NOW))
    down = single(dedupe(firing_state(severity=Severity.CRITICAL), alert(), now=NOW))
    up_again = single(dedupe(firing_state(), alert(severity=Severity.CRITICAL, received_at=NOW + timedelta(minutes=1)),
                             now=NOW))
    assert len({up.change_id, down.change_id, up_again.change_id}) == 3


@pytest.mark.parametrize(("site", "scope"), [("dc1", "dc1"), ("", "-")])
def test_correlation_scope(site: str, scope: str) -> None:
    assert correlation_scope(alert(site=site)) == scope


def test_state_round_trip() -> None:
    state = DedupeState(RESOLVED, Severity.INFO, T0, NOW, NOW + timedelta(minutes=3), 42)
    assert DedupeState.from_dict(state.to_dict()) == state


def test_only_a_repeat_changes_nothing_but_the_count_and_last_seen() -> None:
    fired = dedupe(None, alert(), now=NOW).state
    repeated = dedupe(fired, alert(), now=NOW + timedelta(minutes=1)).state
    assert repeated.count == 2 and only_counted(fired, repeated)
    assert not only_counted(None, fired), "a fingerprint seen for the first time is news"
    worse = dedupe(repeated, alert(severity=Severity.CRITICAL), now=NOW + timedelta(minutes=2)).state
    assert not only_counted(repeated, worse)
    resolved = dedupe(worse, alert(status=RESOLVED, ends_at=NOW), now=NOW + timedelta(minutes=3)).state
    assert not only_counted(worse, resolved)
