"""The HTTP ingest routes over FastAPI's TestClient with a fake sink: one envelope per request, 400/401/413/503, counters per source."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from streams.alerts.model import Envelope
from streams.alerts.receivers.auth import parse_ingest_auth
from streams.alerts.receivers.http import INGEST_ROUTES, INGEST_SOURCES, ingest_router
from streams.alerts.receivers.sink import SinkUnavailable
from streams.clock import FakeClock

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)

WEBHOOK_ALERT = {"status": "firing", "labels": {"alertname": "UPSOnBattery", "site": "dc1"}, "annotations": {},
                 "startsAt": "2025-12-31T23:59:00Z", "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "0123456789abcdef"}
VALID = {
    "/api/v2/alerts": [{"labels": {"alertname": "UPSOnBattery", "site": "dc1"}}],
    "/ingest/alertmanager": {"version": "4", "status": "firing", "alerts": [WEBHOOK_ALERT, WEBHOOK_ALERT]},
    "/ingest/grafana": {"version": "1", "status": "firing", "orgId": 1, "alerts": [{**WEBHOOK_ALERT, "valueString": "x"}]},
    "/ingest/zabbix": {"event_id": "9", "event_value": "1", "event_name": "温度过高", "host_name": "sensor-1"},
    "/ingest/generic": {"name": "WaterLeak", "resource": "rope-2"},
}
COUNT = {"/api/v2/alerts": 1, "/ingest/alertmanager": 2, "/ingest/grafana": 1, "/ingest/zabbix": 1, "/ingest/generic": 1}
SOURCE = {route.path: route.source for route in INGEST_ROUTES}


class FakeSink:
    """Records what would go to alerts.raw; `down` makes it behave like a broker that does not acknowledge."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.down = False

    async def publish(self, envelope: Envelope) -> None:
        if self.down:
            raise SinkUnavailable("broker did not acknowledge within 5s")
        self.envelopes.append(envelope)


def client(sink: FakeSink, auth: list[str] = (), max_body_bytes: int = 8 * 1024 * 1024) -> TestClient:
    api = FastAPI()
    api.include_router(ingest_router(
        sink, FakeClock(NOW), auth=parse_ingest_auth(auth, sources=INGEST_SOURCES), max_body_bytes=max_body_bytes
    ))
    return TestClient(api)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_every_source_has_a_route_and_a_valid_example() -> None:
    assert sorted(VALID) == sorted(route.path for route in INGEST_ROUTES)
    assert len(set(INGEST_SOURCES)) == len(INGEST_SOURCES)


@pytest.mark.parametrize("path", sorted(VALID))
def test_valid_body_is_one_envelope_counted_under_its_source(path: str) -> None:
    sink = FakeSink()
    source = SOURCE[path]
    before = sample("alertdesk_alerts_received_total", source=source)
    response = client(sink).post(path, content=json.dumps(VALID[path], ensure_ascii=False),
                                 headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == COUNT[path]
    [envelope] = sink.envelopes
    assert (envelope.source, envelope.received_at, envelope.content_type) == (source, NOW, "application/json")
    assert json.loads(envelope.body) == VALID[path]  # the body untouched
    assert sample("alertdesk_alerts_received_total", source=source) == before + COUNT[path]


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        ("/ingest/alertmanager", {"version": "3", "alerts": []},
         "body: 'version' is '3'; only Alertmanager webhook payload version '4' is understood"),
        ("/ingest/grafana", {"version": "1"}, "body: 'alerts' is required"),
        ("/ingest/zabbix", {"event_id": "9"}, "event: 'event_value' is required"),
        ("/ingest/zabbix", b"\xff\xfe\x00garbage", "body is not UTF-8"),
        ("/ingest/generic", "{", "body is not valid JSON"),
    ],
)
def test_invalid_body_is_400_with_the_reason_and_nothing_is_produced(path: str, body: object, error: str) -> None:
    sink = FakeSink()
    source = SOURCE[path]
    before = sample("alertdesk_alerts_invalid_total", source=source)
    content = body if isinstance(body, (bytes, str)) else json.dumps(body)
    response = client(sink).post(path, content=content)
    assert response.status_code == 400
    assert response.json()["error"].startswith(error)
    assert sink.envelopes == []
    assert sample("alertdesk_alerts_invalid_total", source=source) == before + 1


def test_broker_not_acknowledging_is_503_with_retry_after() -> None:
    sink = FakeSink()
    sink.down = True
    before = sample("alertdesk_ingest_unavailable_total", source="zabbix")
    response = client(sink).post("/ingest/zabbix", json=VALID["/ingest/zabbix"])
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert sample("alertdesk_ingest_unavailable_total", source="zabbix") == before + 1


@pytest.mark.parametrize("declared", [True, False])
def test_body_over_the_limit_is_413(declared: bool) -> None:
    sink = FakeSink()
    body = json.dumps(VALID["/ingest/alertmanager"]).encode()
    test_client = client(sink, max_body_bytes=len(body) - 1)

    def chunks():  # no Content-Length: the limit must hold while reading
        yield body[:10]
        yield body[10:]

    content = body if declared else chunks()
    response = test_client.post("/ingest/alertmanager", content=content)
    assert response.status_code == 413
    assert response.json()["error"] == f"body is larger than {len(body) - 1} bytes; send fewer alerts per request"
    assert sink.envelopes == []
    assert client(sink, max_body_bytes=len(body)).post("/ingest/alertmanager", content=body).status_code == 200


def test_huge_body_is_refused_at_the_default_limit() -> None:
    sink = FakeSink()
    response = client(sink).post("/ingest/generic", content=b" " * (8 * 1024 * 1024 + 1))
    assert response.status_code == 413 and sink.envelopes == []


AUTH = ["zabbix=bearer:zbx-token", "grafana=basic:grafana:s3cret", "alertmanager=bearer:am-token"]


@pytest.mark.parametrize(
    ("path", "headers", "status", "reason"),
    [
        ("/ingest/zabbix", {"authorization": "Bearer zbx-token"}, 200, None),
        ("/ingest/zabbix", {}, 401, "missing"),
        ("/ingest/zabbix", {"authorization": "Bearer am-token"}, 401, "wrong_credentials"),
        ("/ingest/zabbix", {"authorization": "Basic " + base64.b64encode(b"x:zbx-token").decode()}, 401, "wrong_scheme"),
        ("/ingest/grafana", {"authorization": "Basic " + base64.b64encode(b"grafana:s3cret").decode()}, 200, None),
        ("/ingest/grafana", {"authorization": "Basic " + base64.b64encode(b"grafana:wrong").decode()}, 401, "wrong_credentials"),
        ("/ingest/alertmanager", {"authorization": "Bearer am-token"}, 200, None),
        ("/api/v2/alerts", {}, 200, None),  # no entry for alertmanager-api and no '*': open
        ("/ingest/generic", {}, 200, None),
    ],
)
def test_auth_per_source(path: str, headers: dict, status: int, reason: str | None) -> None:
    sink = FakeSink()
    source = SOURCE[path]
    before = sample("alertdesk_ingest_unauthorized_total", source=source, reason=reason or "missing")
    response = client(sink, AUTH).post(path, json=VALID[path], headers=headers)
    assert response.status_code == status, response.text
    if status == 401:
        assert response.headers["www-authenticate"].endswith('realm="alertdesk"') or "charset" in response.headers["www-authenticate"]
        assert "zbx-token" not in response.text and "s3cret" not in response.text
        assert sink.envelopes == []
        assert sample("alertdesk_ingest_unauthorized_total", source=source, reason=reason) == before + 1
    else:
        assert len(sink.envelopes) == 1


def test_401_comes_before_reading_a_huge_body() -> None:
    sink = FakeSink()
    response = client(sink, ["*=bearer:t"], max_body_bytes=10).post("/ingest/generic", content=b"x" * 100)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="alertdesk"'


def test_routes_show_in_the_openapi_document() -> None:
    paths = client(FakeSink()).get("/openapi.json").json()["paths"]
    for route in INGEST_ROUTES:
        assert paths[route.path]["post"]["summary"] == route.summary
