"""The heartbeat routes over httpx's ASGI transport on a migrated database: ping (GET/POST/PUT), list, 404, 401, 503, metrics."""
from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from incidents.heartbeats.api import heartbeat_router
from incidents.heartbeats.monitor import HeartbeatMonitor
from incidents.heartbeats.schedule import HeartbeatSpec
from streams.alerts.receivers.auth import NO_AUTH, parse_ingest_auth
from streams.clock import FakeClock
from tests.incidents.builders import NOW
from tests.incidents.heartbeat_sink import RecordingSink

SPECS = (HeartbeatSpec("prom-dc1", 120, {"site": "dc1"}), HeartbeatSpec("cron.backup", 3600))
WATCHDOG_WEBHOOK = {"version": "4", "status": "firing", "receiver": "heartbeat",
                    "alerts": [{"status": "firing", "labels": {"alertname": "Watchdog"}}]}


class Desk:
    """A client of the heartbeat routes, with the clock and the sink behind them."""

    def __init__(self, sessions, auth=NO_AUTH) -> None:
        self.clock = FakeClock(NOW)
        self.sink = RecordingSink()
        self.monitor = HeartbeatMonitor(sessions, self.sink, self.clock, SPECS)
        api = FastAPI()
        api.include_router(heartbeat_router(self.monitor, auth=auth))
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://alertdesk")


@pytest.fixture
async def desk(migrated_db):
    desk = Desk(migrated_db[1])
    async with desk.client:
        yield desk


def pings(name: str) -> float:
    return REGISTRY.get_sample_value("alertdesk_heartbeat_pings_total", {"name": name}) or 0.0


@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
async def test_a_ping_by_any_method_is_recorded_and_counted(desk: Desk, method: str) -> None:
    before = pings("prom-dc1")
    response = await desk.client.request(method, "/heartbeat/prom-dc1")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "name": "prom-dc1", "state": "ok", "last_ping_at": "2026-01-01T08:00:00.000Z", "due_at": "2026-01-01T08:02:00.000Z"
    }
    assert pings("prom-dc1") == before + 1


async def test_the_body_is_ignored_so_an_alertmanager_watchdog_webhook_pings(desk: Desk) -> None:
    assert (await desk.client.post("/heartbeat/cron.backup", json=WATCHDOG_WEBHOOK)).json()["state"] == "ok"
    assert (await desk.client.post("/heartbeat/cron.backup", content=b"\xff\xfe not json")).status_code == 200


async def test_an_unknown_name_is_404_naming_the_configured_ones(desk: Desk) -> None:
    response = await desk.client.post("/heartbeat/nagios")
    assert response.status_code == 404
    assert response.json() == {
        "error": "no heartbeat named 'nagios'; configured: cron.backup, prom-dc1", "configured": ["cron.backup", "prom-dc1"]
    }


async def test_list_shows_state_last_ping_and_due_time(desk: Desk) -> None:
    await desk.client.post("/heartbeat/prom-dc1")
    desk.clock.advance(seconds=121)
    await desk.monitor.check()
    body = (await desk.client.get("/api/heartbeats")).json()
    assert body["total"] == 2
    assert body["items"] == [
        {"name": "cron.backup", "interval_seconds": 3600, "labels": {}, "state": "waiting", "last_ping_at": None,
         "due_at": "2026-01-01T09:00:00.000Z", "missed_since": None},
        {"name": "prom-dc1", "interval_seconds": 120, "labels": {"site": "dc1"}, "state": "missed",
         "last_ping_at": "2026-01-01T08:00:00.000Z", "due_at": "2026-01-01T08:02:00.000Z",
         "missed_since": "2026-01-01T08:02:00.000Z"},
    ]


async def test_a_ping_the_broker_does_not_take_is_503_with_retry_after(desk: Desk) -> None:
    await desk.client.post("/heartbeat/prom-dc1")
    desk.clock.advance(seconds=121)
    await desk.monitor.check()
    desk.sink.down = True
    response = await desk.client.post("/heartbeat/prom-dc1")
    assert (response.status_code, response.headers["retry-after"]) == (503, "5")
    assert "heartbeat 'prom-dc1' not recorded: broker did not acknowledge" in response.json()["error"]


async def test_pings_need_the_heartbeat_sources_credentials(migrated_db) -> None:
    auth = parse_ingest_auth(["heartbeat=bearer:s3cret", "*=bearer:other"], sources=["heartbeat"])
    async with Desk(migrated_db[1], auth).client as client:
        missing = await client.post("/heartbeat/prom-dc1")
        assert (missing.status_code, missing.headers["www-authenticate"]) == (401, 'Bearer realm="alertdesk"')
        assert (await client.post("/heartbeat/prom-dc1", headers={"Authorization": "Bearer other"})).status_code == 401
        assert (await client.post("/heartbeat/prom-dc1", headers={"Authorization": "Bearer s3cret"})).status_code == 200
