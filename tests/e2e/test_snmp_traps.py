"""End to end with real traps: `alertdesk up` listening for SNMP, net-snmp's snmptrap sending a UPS alarm and its removal.

Settings come through ALERTDESK_* variables as an operator would set them, with an agents file
placing the UPS (127.0.0.1 here) at site dc1. The alarm opens an incident; the removal resolves it.
"""
from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.e2e.harness import Pipeline, wait_for
from tests.prerequisites import program

pytestmark = pytest.mark.broker

UPS_ALARM = ["1.3.6.1.2.1.33.1.6.2.1.1.3", "i", "3", "1.3.6.1.2.1.33.1.6.2.1.2.3", "o", "1.3.6.1.2.1.33.1.6.3.2"]
AGENTS = "agents:\n  - {address: 127.0.0.1, resource: ups-dc1-a1, site: dc1, room: power-1}\n"


def free_udp_port() -> int:
    """A UDP port free on loopback now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_ups_alarm_traps_open_and_resolve_an_incident(tmp_path: Path, sqlite_env: dict[str, str]) -> None:
    snmptrap = program("snmptrap", install="the Debian package snmp")
    (tmp_path / "agents.yaml").write_text(AGENTS)
    listen = f"127.0.0.1:{free_udp_port()}"
    env = {**sqlite_env, "ALERTDESK_SNMP_LISTEN": listen, "ALERTDESK_SNMP_COMMUNITIES": "e2e-community",
           "ALERTDESK_SNMP_MAPPING_FILES": str(tmp_path / "agents.yaml")}
    snmp_env = {**os.environ, "SNMP_PERSISTENT_DIR": str(tmp_path / "net-snmp"), "SNMPCONFPATH": str(tmp_path / "net-snmp"),
                "MIBS": ""}

    def send(trap_oid: str) -> None:
        subprocess.run([snmptrap, "-v", "2c", "-c", "e2e-community", listen, "", trap_oid, *UPS_ALARM],
                       env=snmp_env, check=True, capture_output=True, timeout=20)

    with Pipeline(tmp_path, env) as pipeline:
        send("1.3.6.1.2.1.33.2.3")  # upsTrapAlarmEntryAdded, upsAlarmOnBattery
        incidents = wait_for(pipeline.incidents, timeout=60, what="the incident opened by upsTrapAlarmEntryAdded")
        assert [(i["severity"], i["status"]) for i in incidents] == [("critical", "triggered")]
        assert "UPSOnBattery" in incidents[0]["title"]
        [alert] = pipeline.get(f"/api/incidents/{incidents[0]['id']}").json()["alerts"]
        assert alert["name"] == "UPSOnBattery" and alert["resource"] == "ups-dc1-a1"
        assert pipeline.metric("alertdesk_snmp_traps_total", 'outcome="published"') == 1

        send("1.3.6.1.2.1.33.2.4")  # upsTrapAlarmEntryRemoved, upsAlarmOnBattery
        wait_for(lambda: [i["status"] for i in pipeline.incidents()] == ["resolved"], timeout=60,
                 what="the incident to be resolved by upsTrapAlarmEntryRemoved")
