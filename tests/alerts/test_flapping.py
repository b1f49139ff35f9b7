"""Flap detection in dedupe: one FLAPPING per episode, silence while flapping, hysteresis before UNFLAPPED.

Every time is explicit: an alert's `received_at` is the event time flap detection runs on, and
`now` (processing time) is passed separately to show it changes nothing.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.alerts.dedupe import DedupeDecision, DedupeState, dedupe
from streams.alerts.flapping import FlapEvent, FlapPolicy, FlapState, track_flaps
from streams.alerts.model import Alert, AlertChange, AlertStatus, ChangeKind, Severity
from streams.clock import format_instant
from streams.ids import deterministic_id

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
FIRING, RESOLVED = AlertStatus.FIRING, AlertStatus.RESOLVED
NEW, RES, SEV = ChangeKind.NEW, ChangeKind.RESOLVED, ChangeKind.SEVERITY
FLAPPING, UNFLAPPED = ChangeKind.FLAPPING, ChangeKind.UNFLAPPED
POLICY = FlapPolicy()  # window 10 min, flapping above 4 flips, un-flapping at most 1 flip and 5 quiet minutes


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def alert(minute: float, status: AlertStatus, *, started: float | None = None, ended: float | None = None,
          severity: Severity = Severity.MAJOR) -> Alert:
    """An alert received at `minute`; it started (and a resolved one ended) then, unless told otherwise."""
    return Alert(
        fingerprint="probe-7", source="generic", status=status, severity=severity, name="HighTemperature",
        resource="probe-7", location={"site": "dc1"}, labels={"alertname": "HighTemperature"}, annotations={},
        starts_at=at(minute if started is None else started), received_at=at(minute),
        ends_at=at(minute if ended is None else ended) if status is RESOLVED else None,
    )


def flips(*minutes: float) -> list[Alert]:
    """Firing at the first minute, then alternately resolved and firing again at each following one."""
    return [alert(minute, FIRING if index % 2 == 0 else RESOLVED) for index, minute in enumerate(minutes)]


def feed(alerts: list[Alert], state: DedupeState | None = None, *,
         policy: FlapPolicy = POLICY, now: datetime | None = None) -> tuple[DedupeState | None, list[DedupeDecision]]:
    decisions = []
    for item in alerts:
        decision = dedupe(state, item, now=now or item.received_at, policy=policy)
        decisions.append(decision)
        state = decision.state
    return state, decisions


def kinds(decisions: list[DedupeDecision]) -> list[tuple[ChangeKind, ...]]:
    return [tuple(change.kind for change in decision.changes) for decision in decisions]


# The flapping probe: fires at 0, then flips every minute; the fifth flip (minute 5) starts flapping.
FLAPPING_PROBE = flips(0, 1, 2, 3, 4, 5)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"window": timedelta(0)}, "window must be positive"),
        ({"quiet": timedelta(0)}, "quiet period must be positive"),
        ({"unflap_threshold": 4}, "must be at least 0 and below flap_threshold"),
        ({"unflap_threshold": -1}, "must be at least 0 and below flap_threshold"),
    ],
)
def test_policy_refuses_thresholds_without_hysteresis(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FlapPolicy(**changes)


def test_steady_alert_never_flaps() -> None:
    resends = [alert(minute, FIRING, started=0) for minute in range(120)] + [alert(120, RESOLVED, started=0)]
    state, decisions = feed(resends)
    assert [kind for kind in kinds(decisions) if kind] == [(NEW,), (RES,)]
    assert not state.flap.flapping
    assert state.flap.flips == (at(120),)


def test_an_alert_that_flips_now_and_then_never_flaps() -> None:
    # Ten occurrences, three minutes apart: never more than four flips in ten minutes.
    _, decisions = feed(flips(*range(0, 60, 3)))
    assert FLAPPING not in {kind for changes in kinds(decisions) for kind in changes}


def test_fifth_flip_in_the_window_sends_one_flapping_with_the_alert_as_received() -> None:
    state, decisions = feed(FLAPPING_PROBE)
    assert kinds(decisions) == [(NEW,), (RES,), (NEW,), (RES,), (NEW,), (FLAPPING,)]
    flapping = decisions[-1].changes[0]
    assert flapping.alert == FLAPPING_PROBE[-1] and flapping.alert.status is RESOLVED
    assert flapping.change_id == deterministic_id("probe-7", "flapping", format_instant(at(5)))
    assert (flapping.scope, state.flap.flapping_since) == ("dc1", at(5))


def test_while_flapping_flips_are_counted_and_held_back() -> None:
    state, _ = feed(FLAPPING_PROBE)
    more = flips(6, 7, 8, 9) + [alert(9.5, RESOLVED)]
    state, decisions = feed(more, state)
    assert kinds(decisions) == [()] * 5
    assert [decision.held_back for decision in decisions] == [NEW, RES, NEW, RES, None]
    assert state.flap.flapping and state.status is RESOLVED
    assert len(state.flap.flips) == POLICY.history
    # One alert for the whole episode: the count runs on across occurrences instead of restarting at 1.
    assert (state.count, state.first_seen) == (3, at(4))


def test_severity_moves_of_a_firing_flapping_alert_still_go_out() -> None:
    state, _ = feed(FLAPPING_PROBE + [alert(6, FIRING)])
    _, decisions = feed([alert(6.5, FIRING, started=6, severity=Severity.CRITICAL)], state)
    assert kinds(decisions) == [(SEV,)]


def test_hysteresis_two_flips_in_the_window_keep_it_flapping_one_and_quiet_ends_it() -> None:
    state, _ = feed(FLAPPING_PROBE + [alert(6, FIRING), alert(7, RESOLVED)])
    # 15.5: quiet for 8.5 minutes, but the flips of 6 and 7 are still in the window.
    state, decisions = feed([alert(15.5, RESOLVED, started=6)], state)
    assert kinds(decisions) == [()] and state.flap.flapping
    # 16.5: only the flip of 7 is left in the window and it is older than the quiet period.
    resend = alert(16.5, RESOLVED, started=6)
    state, decisions = feed([resend], state)
    assert kinds(decisions) == [(UNFLAPPED, RES)]
    unflapped, resolved = decisions[0].changes
    assert unflapped.alert == resolved.alert == resend
    assert unflapped.change_id == deterministic_id("probe-7", "unflapped", format_instant(at(7)))
    assert resolved.change_id == deterministic_id("probe-7", "resolved", format_instant(at(6)))
    assert not state.flap.flapping
    # After the episode the alert is an ordinary one again.
    _, decisions = feed([alert(30, FIRING), alert(31, FIRING, started=30)], state)
    assert kinds(decisions) == [(NEW,), ()]


def test_unflapping_while_firing_sends_only_unflapped() -> None:
    state, _ = feed(FLAPPING_PROBE + [alert(6, FIRING)])
    _, decisions = feed([alert(minute, FIRING, started=6) for minute in (9, 15.5, 17)], state)
    # 9: five flips in the window, 3 quiet minutes; 15.5: one flip (6) in the window, 9.5 quiet minutes.
    assert kinds(decisions) == [(), (UNFLAPPED,), ()]


def test_a_lone_flip_restarts_the_quiet_period() -> None:
    state, _ = feed(FLAPPING_PROBE)
    _, decisions = feed([alert(20, FIRING), alert(24, FIRING, started=20), alert(25, FIRING, started=20)], state)
    assert kinds(decisions) == [(), (), (UNFLAPPED,)]


def test_late_duplicates_and_stale_resends_neither_flip_nor_end_flapping() -> None:
    state, _ = feed(FLAPPING_PROBE)
    late_duplicate = alert(30, FIRING, started=4)  # the occurrence that started at 4 and resolved at 5
    state, decisions = feed([late_duplicate], state)
    assert kinds(decisions) == [()] and state.flap.flapping and state.flap.flips[-1] == at(5)


def test_replay_from_scratch_gives_the_same_changes_whenever_it_runs() -> None:
    timeline = FLAPPING_PROBE + flips(6, 7) + [alert(17, RESOLVED, started=6)] + flips(30, 31)
    _, live = feed(timeline)
    _, replayed = feed(timeline, now=at(24 * 60))
    assert [decision.changes for decision in replayed] == [decision.changes for decision in live]
    ids = [change.change_id for decision in live for change in decision.changes]
    assert len(ids) == len(set(ids))


def test_old_table_values_decode_and_new_ones_round_trip() -> None:
    old = {"status": "firing", "severity": "major", "starts_at": "2026-01-01T00:00:00Z",
           "first_seen": "2026-01-01T00:00:00Z", "last_seen": "2026-01-01T00:01:00Z", "count": 2}
    decoded = DedupeState.from_dict(old)
    assert decoded.flap == FlapState() and not decoded.flap.flapping
    state, _ = feed(FLAPPING_PROBE)
    assert DedupeState.from_dict(state.to_dict()) == state


def test_track_flaps_keeps_a_bounded_history() -> None:
    state = FlapState()
    for minute in range(0, 100, 20):
        step = track_flaps(state, flipped=True, at=at(minute), policy=POLICY)
        state = step.state
        assert step.event is FlapEvent.STEADY
    assert state.flips == tuple(at(minute) for minute in range(0, 100, 20))
    state = track_flaps(state, flipped=True, at=at(100), policy=POLICY).state
    assert state.flips[0] == at(20) and len(state.flips) == POLICY.history


# Property: whatever a source sends, the changes for one fingerprint follow the flapping protocol.
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
steps = st.tuples(
    st.sampled_from([FIRING, RESOLVED]),
    # Seconds since the previous alert: mostly bursts (flapping), sometimes a long pause (un-flapping).
    st.sampled_from([1, 20, 45, 60, 60, 90, 90, 120, 200, 400, 900]),
    # How long before its receipt the occurrence started (or ended): mostly fresh, sometimes an old resend.
    st.sampled_from([0, 0, 0, 0, 0, 30, 300, 900]),
    st.sampled_from([Severity.MAJOR, Severity.CRITICAL]),
)


def alerts_from(raw: list[tuple[AlertStatus, int, int, Severity]]) -> list[Alert]:
    received, result = T0, []
    for status, gap, age, severity in raw:
        received += timedelta(seconds=gap)
        minute = (received - T0).total_seconds() / 60
        # A firing alert's occurrence started `age` ago; a resolved one ended then (old ones are stale resends).
        moment = minute - age / 60
        result.append(alert(minute, status, started=moment, ended=moment, severity=severity))
    return result


def assert_protocol(decisions: list[DedupeDecision]) -> None:
    firing_sent, flapping = False, False
    for decision in decisions:
        for change in decision.changes:
            if change.kind in {NEW, SEV, RES}:
                expected = RESOLVED if change.kind is RES else FIRING
                assert change.alert.status is expected, f"{change.kind} carrying a {change.alert.status} alert"
            if flapping:
                assert change.kind in {SEV, UNFLAPPED}, f"{change.kind} sent while flapping"
                assert change.kind is not SEV or change.alert.status is FIRING
                flapping = change.kind is not UNFLAPPED
                continue
            assert change.kind is not UNFLAPPED, "UNFLAPPED without FLAPPING"
            assert not (change.kind is NEW and firing_sent), "two NEWs without a RESOLVED or FLAPPING between"
            firing_sent = change.kind is NEW or (firing_sent and change.kind is SEV)
            flapping = change.kind is FLAPPING
        assert decision.state.flap.flapping is flapping


# The default policy, and a touchy one so that random timelines start and end flapping often.
policies = st.sampled_from([POLICY, FlapPolicy(flap_threshold=2, unflap_threshold=0, quiet=timedelta(minutes=3))])


@SETTINGS
@given(st.lists(steps, min_size=8, max_size=80), policies)
def test_changes_follow_the_flapping_protocol(raw: list[tuple[AlertStatus, int, int, Severity]],
                                              policy: FlapPolicy) -> None:
    timeline = alerts_from(raw)
    _, decisions = feed(timeline, policy=policy)
    assert_protocol(decisions)
    sent: list[AlertChange] = [change for decision in decisions for change in decision.changes]
    assert len({change.change_id for change in sent}) == len(sent), "a change id repeated: the writer would drop it"
    _, replayed = feed(timeline, policy=policy, now=at(24 * 60))
    assert [decision.changes for decision in replayed] == [decision.changes for decision in decisions]
