"""The topology in the database (SQLite and PostgreSQL): save, load, revisions, startup load, read API."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from incidents.topology.api import topology_router
from incidents.topology.startup import load_configured_topology
from incidents.topology.store import current_revision, load_topology, save_topology, topology_if_changed
from streams.correlation.topology import Component, Dependency, Relation, Topology
from streams.correlation.topology_files import TopologyError, load_topology_files

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = [str(REPO / "deploy/topology/example-dc1.yaml"), str(REPO / "deploy/topology/example-dc1-servers.csv")]
NOW = datetime(2026, 1, 1, 8, 0, tzinfo=timezone.utc)


def _small() -> Topology:
    return Topology(
        [Component("dc1", "site", "上海", None, labels={"city": "上海"}),
         Component("ups-1", "ups", "UPS", "dc1", aliases=("10.0.9.11",)),
         Component("svc", "service", "核心", None, criticality="critical")],
        [Dependency("svc", "ups-1", Relation.SERVICE, redundant=False)],
    )


def test_round_trip_keeps_every_field_and_the_order(migrated_db):
    _, factory = migrated_db
    example = load_topology_files(EXAMPLE)
    with factory.begin() as session:
        saved = save_topology(session, example, source="test", now=NOW, files=EXAMPLE)
    assert saved.changed and saved.revision.component_count == len(example.components)
    with factory() as session:
        loaded = load_topology(session)
        revision = current_revision(session)
    assert list(loaded.components.values()) == list(example.components.values())
    assert loaded.dependencies == example.dependencies
    assert [u for u in loaded.upstreams("web-01")] == [u for u in example.upstreams("web-01")]
    assert revision == saved.revision
    assert (revision.loaded_at, revision.loaded_by, revision.files) == (NOW, "test", tuple(EXAMPLE))


def test_the_topology_is_loaded_again_only_when_its_revision_changed(migrated_db):
    _, factory = migrated_db
    with factory() as session:
        checksum, empty = topology_if_changed(session, None)
        assert (checksum, len(empty.components)) == ("", 0), "none loaded: the empty topology"
        assert topology_if_changed(session, "") is None
    with factory.begin() as session:
        first = save_topology(session, _small(), source="a", now=NOW).revision
    with factory() as session:
        checksum, loaded = topology_if_changed(session, "")
        assert checksum == first.checksum and list(loaded.components) == ["dc1", "ups-1", "svc"]
        assert topology_if_changed(session, first.checksum) is None
    with factory.begin() as session:
        second = save_topology(session, load_topology_files(EXAMPLE), source="b", now=NOW).revision
    with factory() as session:
        checksum, loaded = topology_if_changed(session, first.checksum)
    assert checksum == second.checksum != first.checksum and len(loaded.components) > 3


def test_a_save_replaces_the_whole_topology_and_the_same_content_writes_nothing(migrated_db):
    _, factory = migrated_db
    with factory.begin() as session:
        first = save_topology(session, load_topology_files(EXAMPLE), source="a", now=NOW)
    with factory.begin() as session:
        second = save_topology(session, _small(), source="b", now=NOW + timedelta(minutes=1))
    with factory.begin() as session:
        again = save_topology(session, _small(), source="c", now=NOW + timedelta(minutes=2))
    assert second.changed and second.revision.number > first.revision.number
    assert not again.changed and again.revision == second.revision
    with factory() as session:
        loaded = load_topology(session)
    assert list(loaded.components) == ["dc1", "ups-1", "svc"]
    assert loaded.get("dc1").labels == {"city": "上海"} and loaded.resolve("10.0.9.11").id == "ups-1"


def test_an_empty_database_has_an_empty_topology_and_no_revision(migrated_db):
    _, factory = migrated_db
    with factory() as session:
        assert load_topology(session).components == {}
        assert current_revision(session) is None


def test_startup_loads_the_configured_files_once_and_refuses_a_bad_one(db_url, migrated_db, tmp_path):
    _, factory = migrated_db
    assert load_configured_topology((), database_url=db_url, now=NOW) is None
    first = load_configured_topology(EXAMPLE, database_url=db_url, now=NOW)
    second = load_configured_topology(EXAMPLE, database_url=db_url, now=NOW + timedelta(minutes=1))
    assert first.changed and not second.changed
    assert first.revision.loaded_by == "startup"
    bad = tmp_path / "bad.yaml"
    bad.write_text("components:\n  - {id: x, kind: toaster}\n", encoding="utf-8")
    with pytest.raises(TopologyError, match="bad.yaml:2: x: unknown kind 'toaster'"):
        load_configured_topology([str(bad)], database_url=db_url, now=NOW)
    with factory() as session:
        assert current_revision(session) == first.revision


@pytest.fixture
def client(migrated_db):
    _, factory = migrated_db
    with factory.begin() as session:
        save_topology(session, load_topology_files(EXAMPLE), source="test", now=NOW, files=["example-dc1.yaml"])
    app = FastAPI()
    app.include_router(topology_router(factory))
    with TestClient(app) as test_client:
        yield test_client


def test_api_summary_has_the_tree_counts_services_and_revision(client):
    body = client.get("/api/topology").json()
    assert body["revision"]["number"] >= 1 and body["revision"]["files"] == ["example-dc1.yaml"]
    assert body["revision"]["loaded_at"] == "2026-01-01T08:00:00.000Z"
    assert body["by_kind"]["rack"] == 20
    [site] = body["sites"]
    assert (site["id"], site["name"], site["devices"]) == ("dc1", "上海张江数据中心", 2)
    machine_room = next(room for room in site["children"] if room["id"] == "dc1-mr1")
    assert [row["id"] for row in machine_room["children"]] == ["dc1-mr1-a", "dc1-mr1-b", "dc1-mr1-c", "dc1-mr1-d"]
    assert [s["id"] for s in body["services"]] == ["core-banking", "online-banking", "office-oa"]


def test_api_component_by_id_or_alias(client):
    body = client.get("/api/topology/components/10.1.1.5:9100").json()
    assert body["component"]["id"] == "web-01"
    assert body["location"] == {"site": "dc1", "room": "dc1-mr1", "row": "dc1-mr1-a", "rack": "dc1-mr1-a02"}
    first = body["upstreams"][0]
    assert (first["id"], first["relation"], first["depth"], first["redundant"]) == ("sw-a", "network", 1, False)
    assert [s["id"] for s in body["services"]] == ["core-banking", "online-banking"]
    ups = client.get("/api/topology/components/ups-1").json()
    # Alone it takes down only what hangs off it singly: the A-side PDUs, ac-03, ac-05 and bmc-01.
    assert ups["dependants"] > 50 and ups["lost_alone"] == 20 + 3


def test_api_unknown_component_is_404(client):
    response = client.get("/api/topology/components/nope")
    assert response.status_code == 404
    assert response.json()["detail"] == "component 'nope' not found"
