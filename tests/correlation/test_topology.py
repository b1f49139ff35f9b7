"""The topology's queries on a small hand-built room: containment, inheritance, redundancy."""
from __future__ import annotations

import pytest

from streams.correlation.topology import Component, Dependency, Relation, Topology

P, C, N, S = Relation.POWER, Relation.COOLING, Relation.NETWORK, Relation.SERVICE


def _room() -> Topology:
    """dc1 > mr1 > row-a > a01, with A/B PDUs, a zone with N+1 air conditioners, two switches."""
    components = [
        Component("dc1", "site", "上海", None),
        Component("mr1", "room", "一号机房", "dc1"),
        Component("row-a", "row", "A列", "mr1"),
        Component("a01", "rack", "A01", "row-a"),
        Component("utility-1", "utility", "市电", "dc1"),
        Component("ups-1", "ups", "UPS", "mr1"),
        Component("pdu-a01-1", "pdu", "A路", "a01"),
        Component("pdu-a01-2", "pdu", "B路", "a01"),
        Component("ac-03", "air_conditioner", "3号", "mr1"),
        Component("ac-04", "air_conditioner", "4号", "mr1"),
        Component("zone-a", "cooling_zone", "A区", "mr1"),
        Component("temp-a", "sensor", "温度", "row-a"),
        Component("sw-core-1", "switch", "核心", "a01"),
        Component("sw-a", "switch", "接入", "a01"),
        Component("web-01", "server", "web", "a01", aliases=("10.1.1.5", "web-01:9100", "Web-01.dc1.example.cn")),
        Component("db-01", "server", "db", "a01"),
        Component("core", "service", "核心业务", None, criticality="critical"),
        Component("oa", "service", "OA", None, criticality="medium"),
        Component("portal", "service", "门户", None, criticality="high"),
    ]
    dependencies = [
        Dependency("ups-1", "utility-1", P),
        Dependency("pdu-a01-1", "ups-1", P),
        Dependency("pdu-a01-2", "ups-1", P),
        Dependency("a01", "pdu-a01-1", P, redundant=True),
        Dependency("a01", "pdu-a01-2", P, redundant=True),
        Dependency("ac-03", "ups-1", P),
        Dependency("ac-04", "ups-1", P),
        Dependency("zone-a", "ac-03", C, redundant=True),
        Dependency("zone-a", "ac-04", C, redundant=True),
        Dependency("row-a", "zone-a", C),
        Dependency("sw-a", "sw-core-1", N),
        Dependency("web-01", "sw-a", N),
        Dependency("db-01", "pdu-a01-1", P),
        Dependency("core", "web-01", S),
        Dependency("core", "db-01", S),
        Dependency("oa", "db-01", S),
        Dependency("portal", "web-01", S),
    ]
    return Topology(components, dependencies)


TOPOLOGY = _room()


def _ups(component_id: str) -> list[tuple[str, str, int, bool]]:
    return [(u.component.id, str(u.relation), u.depth, u.redundant) for u in TOPOLOGY.upstreams(component_id)]


def test_a_server_inherits_its_racks_power_and_its_rows_cooling_nearest_first():
    assert _ups("web-01") == [
        ("sw-a", "network", 1, False),
        ("pdu-a01-1", "power", 1, True),
        ("pdu-a01-2", "power", 1, True),
        ("zone-a", "cooling", 1, False),
        ("sw-core-1", "network", 2, False),
        ("ups-1", "power", 2, False),
        ("ac-03", "cooling", 2, True),
        ("ac-04", "cooling", 2, True),
        ("utility-1", "power", 3, False),
    ]


def test_an_own_feed_replaces_the_inherited_one_for_that_relation_only():
    ups = _ups("db-01")
    assert ("pdu-a01-1", "power", 1, False) in ups  # its single feed: not redundant for it
    assert "pdu-a01-2" not in [u[0] for u in ups]
    assert ("zone-a", "cooling", 1, False) in ups


def test_suppliers_do_not_inherit_what_they_supply():
    # pdu-a01-1 stands in a01, which is powered by it; it is fed by the UPS only.
    assert [u for u in _ups("pdu-a01-1") if u[1] == "power"] == [("ups-1", "power", 1, False), ("utility-1", "power", 2, False)]
    # The zone stands in the room but is not cooled by itself.
    assert [u[0] for u in _ups("zone-a") if u[1] == "cooling"] == ["ac-03", "ac-04"]


def test_a_probe_is_cooled_by_its_rows_zone_and_so_by_the_air_conditioners():
    assert [u[0] for u in _ups("temp-a")][:3] == ["zone-a", "ac-03", "ac-04"]


def test_a_service_depends_on_its_servers_and_everything_behind_them():
    ups = _ups("core")
    assert ups[:2] == [("web-01", "service", 1, False), ("db-01", "service", 1, False)]
    assert ("utility-1", "power", 4, False) in ups


def test_dependants_are_the_inverse_of_upstreams():
    for cid in TOPOLOGY.components:
        for upstream in TOPOLOGY.upstreams(cid):
            assert cid in TOPOLOGY.dependants(upstream.component.id)
    assert TOPOLOGY.dependants("zone-a") == {"row-a", "a01", "temp-a", "pdu-a01-1", "pdu-a01-2", "sw-core-1", "sw-a",
                                              "web-01", "db-01", "core", "oa", "portal"}


def test_dependants_of_a_container_include_what_it_holds():
    assert {"pdu-a01-1", "web-01", "db-01", "core"} <= TOPOLOGY.dependants("a01")
    assert "a01" not in TOPOLOGY.dependants("a01")
    assert TOPOLOGY.dependants("nope") == frozenset()


def test_losing_one_of_a_redundant_pair_loses_only_single_fed_dependants():
    assert TOPOLOGY.lost_with(["pdu-a01-2"]) == {"pdu-a01-2"}
    assert TOPOLOGY.lost_with(["pdu-a01-1"]) == {"pdu-a01-1", "db-01", "core", "oa"}
    both = TOPOLOGY.lost_with(["pdu-a01-1", "pdu-a01-2"])
    assert {"a01", "web-01", "sw-a", "portal"} <= both
    assert TOPOLOGY.lost_with(["ac-03"]) == {"ac-03"}
    assert "web-01" in TOPOLOGY.lost_with(["ac-03", "ac-04"])


def test_services_affected_are_ordered_most_critical_first():
    assert [s.id for s in TOPOLOGY.services_affected(["ups-1"])] == ["core", "portal", "oa"]
    assert [s.id for s in TOPOLOGY.services_affected(["web-01"])] == ["core", "portal"]
    assert [s.id for s in TOPOLOGY.services_affected(["oa", "nope"])] == ["oa"]
    assert [s.id for s in TOPOLOGY.services_affected(["pdu-a01-2"], lost_only=True)] == []
    assert [s.id for s in TOPOLOGY.services_affected(["pdu-a01-1"], lost_only=True)] == ["core", "oa"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("web-01", "web-01"),
        ("10.1.1.5", "web-01"),
        ("10.1.1.5:9100", "web-01"),
        ("web-01:9100", "web-01"),
        ("WEB-01", "web-01"),
        ("web-01.dc1.example.cn", "web-01"),
        ("web-01.other.example", "web-01"),
        ("ups-1", "ups-1"),
        ("10.1.1.6", None),
        ("10.1.1.6:9100", None),
        ("", None),
    ],
)
def test_resolve_by_id_alias_case_port_and_short_host_name(name, expected):
    found = TOPOLOGY.resolve(name)
    assert (found.id if found else None) == expected


def test_location_containers_and_site():
    assert TOPOLOGY.location("web-01") == {"site": "dc1", "room": "mr1", "row": "row-a", "rack": "a01"}
    assert TOPOLOGY.location("temp-a") == {"site": "dc1", "room": "mr1", "row": "row-a"}
    assert TOPOLOGY.location("a01") == {"site": "dc1", "room": "mr1", "row": "row-a", "rack": "a01"}
    assert TOPOLOGY.location("core") == {}
    assert TOPOLOGY.containers("web-01") == ("a01", "row-a", "mr1", "dc1")
    assert TOPOLOGY.site_of("web-01") == "dc1"
    assert TOPOLOGY.site_of("core") == "dc1"  # its servers' one site
    assert TOPOLOGY.site_of("nope") == ""


def test_a_service_spanning_two_sites_has_no_site():
    topology = Topology(
        [Component("dc1", "site", "", None), Component("dc2", "site", "", None),
         Component("a", "server", "", "dc1"), Component("b", "server", "", "dc2"), Component("svc", "service", "", None)],
        [Dependency("svc", "a", S), Dependency("svc", "b", S)],
    )
    assert topology.site_of("svc") == ""


def test_cycles_are_found_including_inherited_edges():
    assert TOPOLOGY.cycles() == ()
    topology = Topology(
        [Component("r", "room", "", None), Component("ups", "ups", "", "r"), Component("ac", "air_conditioner", "", "r"),
         Component("z", "cooling_zone", "", "r")],
        [Dependency("r", "z", C), Dependency("z", "ac", C), Dependency("ac", "ups", P)],
    )
    assert topology.cycles() == (("ac", "ups", "z", "ac"),)


def test_components_are_immutable():
    component = TOPOLOGY.get("web-01")
    with pytest.raises(TypeError):
        component.labels["x"] = "y"  # type: ignore[index]
    assert TOPOLOGY.get("nope") is None
    assert component in {component}  # hashable: labels are left out of the hash


def test_each_upstream_says_what_it_was_reached_through():
    via = {u.component.id: u.via for u in TOPOLOGY.upstreams("web-01")}
    assert via["sw-a"] is None and via["pdu-a01-1"] is None
    assert via["ups-1"] == "pdu-a01-1" and via["sw-core-1"] == "sw-a" and via["utility-1"] == "ups-1"


def test_precomputed_upstreams_are_the_ones_asked_for_one_by_one():
    precomputed, lazy = _room(), _room()
    precomputed.precompute()
    for component_id in lazy.components:
        assert precomputed.upstreams(component_id) == lazy.upstreams(component_id), component_id
        assert precomputed.lost_with([component_id]) == lazy.lost_with([component_id]), component_id
    assert precomputed.upstreams("no-such-component") == ()
