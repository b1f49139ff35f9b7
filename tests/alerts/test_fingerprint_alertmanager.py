"""Our fingerprints equal a real Alertmanager's: post alerts to it, read them back, compare.

Starts the Debian `prometheus-alertmanager` binary (or `alertmanager`) on a free loopback
port with a throwaway storage dir and clustering off.
"""
from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from streams.alerts.fingerprint import label_fingerprint
from streams.alerts.parsers.alertmanager_v2 import parse_alertmanager_v2
from tests.prerequisites import program

CONFIG = "route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n"

LABEL_SETS = [
    {"alertname": "A"},
    {"alertname": "HighTemperature", "instance": "sensor-1:9116", "site": "dc1", "severity": "critical"},
    {"alertname": "UpsOnBattery", "device": "ups-a", "site": "dc1", "room": "r1", "row": "3", "rack": "a07"},
    {"alertname": "Unicode", "summary_zh": "机房温度过高", "emoji": "🔥", "accent": "Ünïcödé"},
    {"alertname": "Separators", "a": "x\u00ffy", "b": "", "c": "tab\tnewline\n"},
    {"alertname": "Order", "zz": "1", "Z": "2", "a_b": "3", "ab": "4", "_x": "5"},
    {"alertname": "x" * 300, "long": "v" * 5000},
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(url: str, body: bytes | None = None) -> bytes:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read()


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory):
    binary = program("prometheus-alertmanager", "alertmanager", install="the Debian package prometheus-alertmanager")
    workdir = tmp_path_factory.mktemp("alertmanager")
    (workdir / "alertmanager.yml").write_text(CONFIG)
    port = _free_port()
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={workdir / 'alertmanager.yml'}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20  # process start-up, not domain time
        while True:
            try:
                _request(f"{url}/-/ready")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"alertmanager did not become ready (exit code {process.poll()})")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_fingerprints_match_alertmanager(alertmanager: str) -> None:
    now = datetime.now(timezone.utc)
    ends_at = (now + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    body = json.dumps([{"labels": labels, "endsAt": ends_at} for labels in LABEL_SETS])
    _request(f"{alertmanager}/api/v2/alerts", body.encode("utf-8"))

    theirs = {}
    for alert in json.loads(_request(f"{alertmanager}/api/v2/alerts")):
        theirs[alert["labels"]["alertname"]] = alert["fingerprint"]
    ours = {alert.name: alert.fingerprint for alert in parse_alertmanager_v2(body, received_at=now, source="t")}

    assert len(theirs) == len(LABEL_SETS)
    assert ours == theirs
    for labels in LABEL_SETS:
        kept = {key: value for key, value in labels.items() if value}
        assert label_fingerprint(kept) == theirs[labels["alertname"]]
