"""End to end with a real Alertmanager forwarding its webhook: `alertdesk up` opens the incident, and resolves it when Alertmanager sends the resolve.

Starts the Debian `prometheus-alertmanager` binary with a webhook receiver pointing at
`/ingest/alertmanager` of a running `alertdesk up` (bearer auth on, as an operator would set it
up), posts an alert to the Alertmanager like Prometheus does, then posts it again with `endsAt`
in the past. Nothing is mocked; every wait is a condition with a deadline.
"""
from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.e2e.harness import Pipeline, free_port, wait_for
from tests.prerequisites import program

pytestmark = pytest.mark.broker

TOKEN = "e2e-alertmanager-token"
CONFIG = """\
route:
  receiver: alertdesk
  group_by: [alertname, site]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: alertdesk
    webhook_configs:
      - url: {url}/ingest/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: {token}
"""


def start_alertmanager(workdir: Path, alertdesk_url: str) -> tuple[subprocess.Popen, str]:
    """Start the real Alertmanager forwarding to `alertdesk_url`; return the process and its URL once ready."""
    binary = program("prometheus-alertmanager", "alertmanager", install="the Debian package prometheus-alertmanager")
    (workdir / "alertmanager.yml").write_text(CONFIG.format(url=alertdesk_url, token=TOKEN))
    port = free_port()
    log = (workdir / "alertmanager.log").open("ab")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={workdir / 'alertmanager.yml'}",
            f"--storage.path={workdir / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"alertmanager exited with {process.returncode}:\n{(workdir / 'alertmanager.log').read_text()}")
        try:
            return httpx.get(f"{url}/-/ready", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(ready, timeout=20, what="alertmanager to be ready", interval=0.1)
    return process, url


@pytest.fixture
def pipeline(tmp_path: Path, sqlite_env: dict[str, str]) -> Iterator[Pipeline]:
    with Pipeline(tmp_path, {**sqlite_env, "ALERTDESK_INGEST_AUTH": f"alertmanager=bearer:{TOKEN}"}) as running:
        yield running


@pytest.fixture
def alertmanager(tmp_path: Path, pipeline: Pipeline) -> Iterator[str]:
    process, url = start_alertmanager(tmp_path, pipeline.url)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def rfc3339(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_alertmanager_webhook_opens_and_resolves_an_incident(pipeline: Pipeline, alertmanager: str) -> None:
    started = datetime.now(timezone.utc) - timedelta(seconds=30)
    alert = {
        "labels": {"alertname": "CRACFailure", "site": "dc1", "instance": "crac-2", "severity": "critical",
                   "room_name": "二号机房"},  # Alertmanager 0.25 takes UTF-8 label values, not names
        "annotations": {"summary": "精密空调 2 停机"},
        "startsAt": rfc3339(started),
        "generatorURL": "http://prometheus.example/graph",
    }
    assert httpx.post(f"{alertmanager}/api/v2/alerts", json=[alert], timeout=5).status_code == 200

    incidents = wait_for(pipeline.incidents, timeout=60, what="the incident forwarded by Alertmanager's webhook")
    assert [(i["title"], i["severity"], i["status"]) for i in incidents] == [("CRACFailure at site dc1", "critical", "triggered")]
    assert pipeline.metric("alertdesk_alerts_received_total", 'source="alertmanager"') >= 1
    assert "alertdesk_ingest_unauthorized_total{" not in pipeline.get("/metrics").text  # Alertmanager sent the token
    refused = pipeline.post("/ingest/alertmanager", {"version": "4", "alerts": []})
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == 'Bearer realm="alertdesk"'
    [theirs] = httpx.get(f"{alertmanager}/api/v2/alerts", timeout=5).json()
    detail = pipeline.get(f"/api/incidents/{incidents[0]['id']}").json()
    assert [a["fingerprint"] for a in detail["alerts"]] == [theirs["fingerprint"]]  # Alertmanager's id is ours

    resolved = {**alert, "endsAt": rfc3339(datetime.now(timezone.utc) - timedelta(seconds=1))}
    assert httpx.post(f"{alertmanager}/api/v2/alerts", json=[resolved], timeout=5).status_code == 200
    wait_for(
        lambda: [i["status"] for i in pipeline.incidents()] == ["resolved"],
        timeout=60,
        what="the incident to be resolved by Alertmanager's resolved notification",
    )
