"""The shipped Zabbix media type and the Zabbix parser agree: its script's request, run under Node.js, parses into the alert.

Zabbix runs media type scripts in Duktape (ES5); the script uses nothing beyond ES5, so Node.js
runs it the same way, with `HttpRequest` and `Zabbix` replaced by recorders.
"""
from __future__ import annotations

import json
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from streams.alerts.model import AlertStatus, Severity
from streams.alerts.parsers.zabbix import parse_zabbix
from tests.prerequisites import program

MEDIATYPE = Path(__file__).resolve().parents[2] / "deploy" / "zabbix" / "alertdesk_mediatype.yaml"
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)

HARNESS = """
var sent = {headers: []};
function HttpRequest() {}
HttpRequest.prototype.addHeader = function (h) { sent.headers.push(h); };
HttpRequest.prototype.setProxy = function (p) { sent.proxy = p; };
HttpRequest.prototype.post = function (url, body) { sent.url = url; sent.body = body; return '{"accepted": 1}'; };
HttpRequest.prototype.getStatus = function () { return STATUS; };
var Zabbix = {log: function () {}};
var value = VALUE;
var result;
try { result = (function () { SCRIPT }()); } catch (e) { result = 'THROWN: ' + e; }
console.log(JSON.stringify({result: result, sent: sent}));
"""


def mediatype_text() -> str:
    return MEDIATYPE.read_text("utf-8")


def parameters() -> dict[str, str]:
    text = mediatype_text()
    return dict(re.findall(r"-\n\s+name: (\w+)\n\s+value: '([^']*)'", text))


def script() -> str:
    lines = mediatype_text().split("      script: |\n", 1)[1].splitlines()
    body = []
    for line in lines:
        if line and not line.startswith("        "):
            break
        body.append(line[8:])
    return "\n".join(body)


def run_script(values: dict[str, str], status: int = 200) -> dict:
    node = program("node", "nodejs", install="the Debian package nodejs")
    source = (HARNESS.replace("VALUE", json.dumps(json.dumps(values)))
              .replace("STATUS", str(status)).replace("SCRIPT", script()))
    done = subprocess.run([node, "-e", source], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(done.stdout)


def expanded(**overrides: str) -> dict[str, str]:
    """The parameters as Zabbix expands them for a problem event; unexpanded macros stay as they are."""
    values = {
        "url": "https://alertdesk.example:8080/", "token": "zbx-token", "zabbix_url": "https://zabbix.example",
        "zabbix_server": "", "event_id": "4711", "event_value": "1", "event_name": "机房温度过高",
        "event_nseverity": "5", "event_severity": "Disaster", "event_timestamp": "1767225600",
        "recovery_timestamp": "{EVENT.RECOVERY.TIMESTAMP}",
        "event_tags": '[{"tag":"site","value":"dc1"},{"tag":"room","value":"r1"}]',
        "event_opdata": "36.5 °C", "host_name": "sensor-3", "host_ip": "10.0.3.17", "host_groups": "动环/温湿度",
        "trigger_id": "23301", "trigger_description": "", "http_proxy": "",
    }
    return {**values, **overrides}


def test_every_parameter_is_sent_or_used_by_the_script() -> None:
    names = set(parameters())
    assert {"url", "token", "event_id", "event_value", "event_name", "host_name", "event_tags"} <= names
    assert parameters()["url"] == "{ALERT.SENDTO}" and parameters()["event_id"] == "{EVENT.ID}"


def test_problem_then_recovery_through_the_script_and_the_parser() -> None:
    problem = run_script(expanded())
    assert problem["result"] == "OK"
    assert problem["sent"]["url"] == "https://alertdesk.example:8080/ingest/zabbix"
    assert "Authorization: Bearer zbx-token" in problem["sent"]["headers"]
    body = json.loads(problem["sent"]["body"])
    assert "recovery_timestamp" not in body and "token" not in body and "trigger_description" not in body
    [firing] = parse_zabbix(problem["sent"]["body"], received_at=NOW, source="zabbix")
    assert (firing.status, firing.severity, firing.site, firing.name) == (AlertStatus.FIRING, Severity.CRITICAL, "dc1", "机房温度过高")
    assert firing.generator_url == "https://zabbix.example/tr_events.php?triggerid=23301&eventid=4711"

    recovery = run_script(expanded(event_value="0", recovery_timestamp="1767226020"))
    [resolved] = parse_zabbix(recovery["sent"]["body"], received_at=NOW, source="zabbix")
    assert resolved.status is AlertStatus.RESOLVED and resolved.fingerprint == firing.fingerprint


def test_no_token_means_no_authorization_header_and_bad_answers_fail_the_attempt() -> None:
    sent = run_script(expanded(token="{$ALERTDESK.TOKEN}"))
    assert not any(header.startswith("Authorization") for header in sent["sent"]["headers"])
    assert run_script(expanded(), status=503)["result"].startswith("THROWN: alertdesk: HTTP 503")
    assert "Send to" in run_script(expanded(url="{ALERT.SENDTO}"))["result"]


@pytest.mark.parametrize("tags", ["{EVENT.TAGSJSON}", "not json", "[]"])
def test_unusable_tags_are_left_out(tags: str) -> None:
    body = run_script(expanded(event_tags=tags))["sent"]["body"]
    assert parse_zabbix(body, received_at=NOW, source="zabbix")[0].location == {}
