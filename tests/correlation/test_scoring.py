"""The scenario scorer: matching incidents, pairwise precision/recall, pages, time to incident, readable failures."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from streams.correlation.expectations import ExpectationError, Expectations, ExpectedIncident, parse_expectations
from streams.correlation.scoring import FoundIncident, Outcome, format_scores, pairwise, score

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc)
A, B, C, D = ("pdu-1", "PDUTrip"), ("srv-1", "NodeDown"), ("srv-2", "NodeDown"), ("leak-1", "WaterLeak")


def found(*alerts, root=None, category="power", priority="P3", major=False, status="open", at=2.0, pages=1) -> FoundIncident:
    return FoundIncident(frozenset(alerts), root, category, priority, major, status, T0 + timedelta(seconds=at), pages)


def expected(*incidents: ExpectedIncident, max_pages=None, suppressed=None) -> Expectations:
    return Expectations("s", "site", "", incidents, max_pages, suppressed or {}, ())


def outcome(*incidents: FoundIncident, suppressed=None) -> Outcome:
    received = {key: T0 + timedelta(seconds=i) for i, key in enumerate([A, B, C, D])}
    return Outcome(incidents, suppressed or {}, received)


@pytest.mark.parametrize(
    ("wanted", "got", "precision", "recall"),
    [
        ([{A, B, C}], [{A, B, C}], 1.0, 1.0),
        ([{A, B, C}], [{A}, {B}, {C}], 1.0, 0.0),  # nothing put together: no wrong pair, every pair missed
        ([{A}, {B}, {C}], [{A, B, C}], 0.0, 1.0),  # everything merged: no pair belonged together
        ([{A, B}, {C, D}], [{A, B, C}, {D}], 1 / 3, 1 / 2),  # pairs: got AB AC BC, wanted AB CD
        ([], [], 1.0, 1.0),
    ],
)
def test_pairwise_precision_and_recall(wanted, got, precision, recall) -> None:
    assert pairwise(map(frozenset, wanted), map(frozenset, got)) == pytest.approx((precision, recall))


def test_a_perfect_run_passes_with_its_numbers() -> None:
    want = expected(ExpectedIncident(frozenset({A, B, C}), "pdu-1", "power"), max_pages=1)
    result = score(want, outcome(found(A, B, C, root="pdu-1", at=2.5)))
    assert result.passed and (result.expected, result.found, result.matched) == (1, 1, 1)
    assert (result.pages, result.alerts, result.noise_reduction) == (1, 4, 0.75)
    assert result.seconds_to_incident == (2.5,)  # from A, received first at T0


def test_a_split_incident_names_what_is_missing_and_the_unexpected_part() -> None:
    want = expected(ExpectedIncident(frozenset({A, B, C}), "pdu-1"))
    result = score(want, outcome(found(A, B, root="pdu-1"), found(C, root="srv-2", category="availability")))
    assert not result.passed and result.matched == 0
    assert result.failures == (
        "missing incident [pdu-1] with PDUTrip@pdu-1, NodeDown@srv-1, NodeDown@srv-2; "
        "closest is [pdu-1 power P3] which lacks NodeDown@srv-2",
        "unexpected incident [pdu-1 power P3]: PDUTrip@pdu-1, NodeDown@srv-1",
        "unexpected incident [srv-2 availability P3]: NodeDown@srv-2",
    )


def test_root_category_priority_major_and_status_are_checked_only_when_given() -> None:
    want = expected(
        ExpectedIncident(frozenset({A}), "pdu-1", category="power", priority="P2", major=True, status="resolved"),
        ExpectedIncident(frozenset({D}), None),
    )
    result = score(want, outcome(found(A, root="ups-1", priority="P3"), found(D, root=None, category="safety", major=True)))
    assert result.failures == (
        "incident [ups-1 power P3]: root is 'ups-1', expected 'pdu-1'",
        "incident [ups-1 power P3]: priority is 'P3', expected 'P2'",
        "incident [ups-1 power P3]: major is False, expected True",
        "incident [ups-1 power P3]: status is 'open', expected 'resolved'",
    )


def test_suppressed_alerts_and_page_bound_are_checked() -> None:
    want = expected(max_pages=0, suppressed={B: "maintenance", C: "maintenance"})
    result = score(want, outcome(found(A, root="pdu-1"), suppressed={B: "maintenance", C: "silence"}))
    assert result.failures == (
        "unexpected incident [pdu-1 power P3]: PDUTrip@pdu-1",
        "NodeDown on srv-2 should be suppressed by maintenance, was by silence",
        "1 pages sent, at most 0 expected",
    )


def test_the_table_has_a_row_per_scenario_a_total_and_the_failures() -> None:
    good = score(expected(ExpectedIncident(frozenset({A}), "pdu-1")), outcome(found(A, root="pdu-1")))
    bad = score(expected(ExpectedIncident(frozenset({D}), "leak-1")), outcome())
    table = format_scores([good, bad]).splitlines()
    assert table[0].split()[:2] == ["scenario", "result"]
    assert table[1].split()[:7] == ["s", "pass", "1/1/1", "1.00", "1.00", "1/4", "75%"]
    assert table[2].split()[:3] == ["s", "FAIL", "1/0/0"]
    assert table[3].startswith("total (min p/r)") and "1/2" in table[3]
    assert table[4] == "s: missing incident [leak-1] with WaterLeak@leak-1; none of its alerts is in an incident"


EXPECTED_YAML = {
    "site": "sc-x",
    "incidents": [
        {"root": "pdu-1", "category": "power", "alerts": [{"resource": "pdu-1", "name": "PDUTrip"},
                                                          {"resources": ["srv-1", "srv-2"], "names": ["NodeDown", "Hot"]}]},
    ],
    "suppressed": [{"resource": "ups-2", "name": "Bypass", "kind": "maintenance"}],
    "max_pages": 1,
    "setup": {"maintenance": [{"components": ["ups-2"], "start_s": -60, "end_s": 600, "created_by": "li.na", "reason": "swap"}]},
}


def test_expected_yaml_is_read_with_storm_shorthand_and_setup_times_made_absolute() -> None:
    parsed = parse_expectations(EXPECTED_YAML, name="x", where="x/expected.yaml")
    assert parsed.incidents[0].alerts == {A, B, C, ("srv-1", "Hot"), ("srv-2", "Hot")}
    assert parsed.suppressed == {("ups-2", "Bypass"): "maintenance"} and parsed.max_pages == 1
    assert parsed.setup[0].path == "/api/maintenance"
    assert parsed.setup[0].body(T0) == {
        "components": ["ups-2"], "created_by": "li.na", "reason": "swap",
        "starts_at": "2026-11-01T01:59:00.000Z", "ends_at": "2026-11-01T02:10:00.000Z",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sites": "x"}, "x/expected.yaml: the file: unknown key 'sites' (expected one of description, site, incidents, max_pages, suppressed, setup)"),
        ({"incidents": [{"alerts": []}]}, "x/expected.yaml: incidents[0]: 'root' is required (a component id, or null for a label group)"),
        ({"incidents": [{"root": None, "alerts": [{"name": "X"}]}]}, "x/expected.yaml: incidents[0].alerts[0]: 'resource' is required (a non-empty text)"),
        ({"incidents": [{"root": None, "status": "closed", "alerts": []}]}, "x/expected.yaml: incidents[0].status: 'closed' is not one of open, resolved"),
        ({"suppressed": [{"resource": "pdu-1", "name": "PDUTrip", "kind": "maintenance"}]},
         "x/expected.yaml: suppressed[0]: PDUTrip on pdu-1 is also expected in incidents[0]"),
        ({"max_pages": -1}, "x/expected.yaml: max_pages: must be a whole number ≥ 0"),
        ({"setup": {"maintenance": [{"components": ["u"], "start_s": 5, "end_s": 1, "created_by": "a", "reason": "b"}]}},
         "x/expected.yaml: setup.maintenance[0]: end_s must be after start_s"),
    ],
)
def test_bad_expected_yaml_names_file_and_place(change, message) -> None:
    with pytest.raises(ExpectationError) as error:
        parse_expectations({**EXPECTED_YAML, **change}, name="x", where="x/expected.yaml")
    assert str(error.value) == message
