"""Topology files: the YAML and CSV formats, merging, and every validation error's message."""
from __future__ import annotations

from pathlib import Path

import pytest

from streams.correlation.topology_checks import MAX_ERRORS
from streams.correlation.topology_files import TopologyError, load_topology_files

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = [REPO / "deploy/topology/example-dc1.yaml", REPO / "deploy/topology/example-dc1-servers.csv"]

ROOM = """\
sites:
  - id: dc1
    name: 上海张江数据中心
    rooms:
      - id: mr1
        rows:
          - id: row-a
            cooled_by: [zone-a]
            racks:
              - id: a01
                power_from: [pdu-a01-1, pdu-a01-2]
                redundant: [power]
                devices:
                  - {id: pdu-a01-1, kind: pdu, power_from: ups-1}
                  - {id: pdu-a01-2, kind: pdu, power_from: [ups-1]}
components:
  - {id: utility-1, kind: utility, in: dc1}
  - {id: ups-1, kind: ups, in: mr1, power_from: [utility-1]}
  - {id: ac-03, kind: air_conditioner, in: mr1, power_from: [ups-1]}
  - {id: zone-a, kind: cooling_zone, in: mr1, cooled_by: [ac-03]}
services:
  - {id: core-banking, name: 核心业务系统, criticality: critical, depends_on: [web-01]}
"""
SERVERS = """\
id,kind,in,name,power_from,cooled_by,network,aliases
web-01,server,a01,网银前置,,,,10.1.1.5;web-01:9100
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _errors(tmp_path: Path, yaml_text: str = ROOM, csv_text: str = SERVERS) -> list[str]:
    files = [_write(tmp_path, "room.yaml", yaml_text), _write(tmp_path, "servers.csv", csv_text)]
    with pytest.raises(TopologyError) as caught:
        load_topology_files(files)
    return [error.replace(str(tmp_path) + "/", "") for error in caught.value.errors]


def test_yaml_and_csv_merge_into_one_topology(tmp_path):
    topology = load_topology_files([_write(tmp_path, "room.yaml", ROOM), _write(tmp_path, "servers.csv", SERVERS)])
    assert topology.location("web-01") == {"site": "dc1", "room": "mr1", "row": "row-a", "rack": "a01"}
    assert topology.get("dc1").name == "上海张江数据中心"
    assert topology.get("mr1").name == "mr1"  # the id when no name is written
    assert topology.resolve("10.1.1.5:9100").id == "web-01"
    assert [(u.component.id, u.redundant) for u in topology.upstreams("web-01")][:3] == [
        ("pdu-a01-1", True), ("pdu-a01-2", True), ("zone-a", False)
    ]
    assert [s.id for s in topology.services_affected(["ups-1"])] == ["core-banking"]


def test_the_shipped_example_loads_with_the_ids_scenarios_use():
    topology = load_topology_files(EXAMPLE)
    kinds = [c.kind for c in topology.components.values()]
    assert kinds.count("row") >= 4 and kinds.count("rack") >= 20 and kinds.count("service") == 3
    for cid in ("ups-1", "ups-2", "pdu-a01-1", "ac-03", "zone-a", "temp-a", "sw-core-1", "sw-a", "web-01", "leak-1"):
        assert topology.get(cid) is not None, cid
    assert topology.location("web-01")["site"] == "dc1"
    upstreams = {u.component.id: u for u in topology.upstreams("web-01")}
    assert {"pdu-a02-1", "pdu-a02-2", "ups-1", "ups-2", "ats-1", "zone-a", "ac-03", "sw-a", "sw-core-1"} <= set(upstreams)
    assert upstreams["ups-1"].redundant and not upstreams["ats-1"].redundant
    assert "ac-03" in {u.component.id for u in topology.upstreams("temp-a")}
    assert [s.id for s in topology.services_affected(["ups-1"])] == ["core-banking", "online-banking", "office-oa"]
    assert topology.services_affected(["ups-1"], lost_only=True) == ()
    assert {"web-01", "db-01", "core-banking"} <= topology.lost_with(["ups-1", "ups-2"])


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("sites: [", "room.yaml:1: not valid YAML: expected the node content, but found '<stream end>'"),
        ("- a\n", "room.yaml:1: a topology file is a mapping with keys sites, components, services"),
        ("site: []\n", "room.yaml:1: unknown top-level key 'site' (expected sites, components, services)"),
        ("components: {id: x}\n", "room.yaml:1: 'components' must be a list"),
        ("components:\n  - x\n", "room.yaml:1: components[0] must be a mapping with an id, got 'x'"),
        ("components:\n  - {kind: ups}\n", "room.yaml:2: entry has no id"),
        ("components:\n  - {id: x, kind: ups, powered_by: [y]}\n", "room.yaml:2: x: unknown key 'powered_by'"),
        ("components:\n  - {id: x, kind: ups, kind: pdu}\n", "room.yaml:2: x: key 'kind' is written twice"),
        ("sites:\n  - {id: x, kind: room}\n", "room.yaml:2: x: listed as a site but has kind 'room'"),
        ("sites:\n  - id: s\n    rooms:\n      - {id: r, in: s}\n",
         "room.yaml:4: r: nested entries take their container from the nesting; remove 'in'"),
        ("components:\n  - {id: x, kind: ups, name: 1.5}\n", "room.yaml:2: 'name' must be a text, got 1.5 (quote it)"),
        ("components:\n  - {id: x, kind: ups, aliases: {a: b}}\n",
         "room.yaml:2: x: 'aliases' must be a list of ids or names, got {'a': 'b'}"),
        ("components:\n  - {id: x, kind: ups, labels: [a]}\n", "room.yaml:2: x: 'labels' must be a mapping of names to values"),
        ("components:\n  - {id: x, kind: ups, redundant: [heat]}\n", "room.yaml:2: x: 'redundant' must be true or a list of"),
    ],
)
def test_format_errors_name_file_line_and_problem(tmp_path, yaml_text, expected):
    errors = _errors(tmp_path, yaml_text, "id,kind\n")
    assert any(error.startswith(expected) for error in errors), errors


@pytest.mark.parametrize(
    ("csv_text", "expected"),
    [
        ("id,kind,room\n", "servers.csv:1: unknown column 'room'"),
        ("id,name\n", "servers.csv:1: required column 'kind' is missing"),
        ("id,kind,in\nweb-02,server\n", "servers.csv:2: 2 cells, the header has 3"),
        ("id,kind,in\n\nweb-02,server,nowhere\n", "servers.csv:3: web-02: 'in' names unknown component 'nowhere'"),
    ],
)
def test_csv_errors_name_the_line(tmp_path, csv_text, expected):
    errors = _errors(tmp_path, ROOM, csv_text)
    assert any(error.startswith(expected) for error in errors), errors


def _with(extra_components: str = "", extra_servers: str = "") -> tuple[str, str]:
    return ROOM.replace("services:", extra_components + "services:"), SERVERS + extra_servers


@pytest.mark.parametrize(
    ("components", "servers", "expected"),
    [
        ("", "ups-1,server,a01,,,,,\n", "servers.csv:3: ups-1: duplicate id, first defined at room.yaml:18"),
        ("  - {id: x, in: mr1}\n", "", "room.yaml:21: x: no kind (one of"),
        ("  - {id: x, kind: toaster, in: mr1}\n", "", "room.yaml:21: x: unknown kind 'toaster' (one of"),
        ("  - {id: x, kind: server, in: mr1, criticality: urgent}\n", "",
         "room.yaml:21: x: unknown criticality 'urgent' (one of critical, high, medium, low)"),
        ("  - {id: x, kind: server}\n", "", "room.yaml:21: x: a server must stand in a rack or row or room or site (add 'in')"),
        ("  - {id: x, kind: rack, in: mr1}\n", "",
         "room.yaml:21: x: a rack must stand in a row, but 'mr1' is a room (site > room > row > rack > device)"),
        ("  - {id: x, kind: service, in: mr1}\n", "", "room.yaml:21: x: a service stands in nothing, but 'in' is 'mr1'"),
        ("", "x,server,a02,,,,,\n", "servers.csv:3: x: 'in' names unknown component 'a02'"),
        ("", "x,server,a01,,pdu-9,,,\n", "servers.csv:3: x: power_from names unknown component 'pdu-9'"),
        ("", "x,server,a01,,,,web-01,\n",
         "servers.csv:3: x: network 'web-01' is a server, which cannot supply network (firewall, router, switch)"),
        ("", "x,server,a01,,web-01,,,\n", "servers.csv:3: x: power_from 'web-01' is a server, which cannot supply power"),
        ("", "x,server,a01,,,ups-1,,\n", "servers.csv:3: x: cooled_by 'ups-1' is a ups, which cannot supply cooling"),
        ("  - {id: x, kind: service, power_from: [ups-1]}\n", "",
         "room.yaml:21: x: a service has no power_from; list what it runs on in depends_on"),
        ("", "x,server,a01,,pdu-a01-1;pdu-a01-1,,,\n", "servers.csv:3: x: power_from lists pdu-a01-1 more than once"),
        ("  - {id: x, kind: server, in: a01, power_from: [pdu-a01-1], redundant: true}\n", "",
         "room.yaml:21: x: redundant power needs at least two entries in power_from"),
        ("", "x,server,a01,,,,,10.1.1.5\n", "servers.csv:3: x: alias '10.1.1.5' is already claimed by web-01 (servers.csv:2)"),
        ("", "x,server,a01,,,,,UPS-1\n", "servers.csv:3: x: alias 'UPS-1' is the id of ups-1"),
    ],
)
def test_validation_errors_name_file_line_component_and_problem(tmp_path, components, servers, expected):
    yaml_text, csv_text = _with(components, servers)
    errors = _errors(tmp_path, yaml_text, csv_text)
    assert any(error.startswith(expected) for error in errors), errors


def test_a_cycle_is_named(tmp_path):
    yaml_text = ROOM.replace("{id: ac-03, kind: air_conditioner, in: mr1, power_from: [ups-1]}",
                             "{id: ac-03, kind: air_conditioner, in: mr1, power_from: [ups-1]}\n"
                             "  - {id: ups-2, kind: ups, in: mr1, power_from: [ups-3]}\n"
                             "  - {id: ups-3, kind: ups, in: mr1, power_from: [ups-2]}")
    assert _errors(tmp_path, yaml_text) == [
        "room.yaml:20: ups-2: dependency cycle ups-2 -> ups-3 -> ups-2"
        " (containers pass power, cooling and network down to what they hold)"
    ]


def test_an_inherited_cycle_is_named(tmp_path):
    # The room is cooled by zone-a; the UPS in it inherits that cooling; the zone's AC runs on the UPS.
    yaml_text = ROOM.replace("      - id: mr1\n", "      - id: mr1\n        cooled_by: [zone-a]\n")
    errors = _errors(tmp_path, yaml_text)
    assert any("dependency cycle ups-1 -> zone-a -> ac-03 -> ups-1" in error for error in errors), errors


def test_every_error_is_reported_up_to_the_cap(tmp_path):
    servers = "".join(f"x{i},server,nowhere,,,,,\n" for i in range(MAX_ERRORS + 7))
    with pytest.raises(TopologyError) as caught:
        load_topology_files([_write(tmp_path, "room.yaml", ROOM), _write(tmp_path, "s.csv", SERVERS + servers)])
    assert len(caught.value.errors) == MAX_ERRORS
    assert str(caught.value).startswith(f"{MAX_ERRORS + 7} topology error(s):\n")
    assert str(caught.value).endswith("... and 7 more")


def test_file_level_errors(tmp_path):
    with pytest.raises(TopologyError, match=r"room.json: unknown file type '.json' \(use .yaml, .yml or .csv\)"):
        load_topology_files([_write(tmp_path, "room.json", "{}")])
    with pytest.raises(TopologyError, match=r"missing.yaml: cannot read"):
        load_topology_files([tmp_path / "missing.yaml"])
    with pytest.raises(TopologyError, match="no topology files given"):
        load_topology_files([])
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("id,kind\nm\xe9,server\n".encode("latin-1"))
    with pytest.raises(TopologyError, match="latin1.csv: cannot read"):
        load_topology_files([bad])


def test_csv_optional_columns_labels_redundancy_and_services(tmp_path):
    servers = (
        "id,kind,in,power_from,network,depends_on,redundant,criticality,labels\n"
        "web-02,server,a01,pdu-a01-1;pdu-a01-2,,,power,,vendor=华为;u=4\n"
        "portal,service,,,,web-01;web-02,true,high,\n"
    )
    topology = load_topology_files([_write(tmp_path, "room.yaml", ROOM), _write(tmp_path, "servers.csv", SERVERS),
                                    _write(tmp_path, "more.csv", "\ufeff" + servers)])  # as Excel saves UTF-8
    assert topology.get("web-02").labels == {"vendor": "华为", "u": "4"}
    assert topology.get("portal").criticality == "high"
    assert topology.lost_with(["web-01"]) == {"web-01", "core-banking"}  # portal still has web-02
    assert topology.lost_with(["pdu-a01-1"]) == {"pdu-a01-1"}
