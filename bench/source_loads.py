"""Pure: the request bodies `bench/ingest.py` sends, one builder per source alertdesk ingests, in each sender's real shape.

Every alert is unique (a running number in its resource or event id), so dedupe never folds two
of them into one. The shapes follow the parsers in `streams/alerts/parsers/` and what the real
senders put on the wire:

    alertmanager-api  Prometheus's POST /api/v2/alerts array (the shape of docs/benchmarks.md §1)
    alertmanager      an Alertmanager webhook notification, payload "4": one group
                      (alertname, site) per request, with groupKey, commonLabels, fingerprints
    grafana           a Grafana unified-alerting webhook, payload "1": the same group shape plus
                      orgId/title/state/message, valueString, values and the dashboard links
    zabbix            one event as the alertdesk media type posts it (deploy/zabbix): strings,
                      event_tags as an array
    generic           an array of generic JSON alerts (docs/generic-json.md) with their own id
    heartbeat         an empty POST to /heartbeat/NAME, NAME cycling over HEARTBEAT_NAMES
    snmp              a v2c upsTrapAlarmEntryAdded (UPS-MIB, RFC 1628) as numeric varbinds,
                      with snmpTrapAddress.0 naming one UPS of many, as a trap forwarder sends

A builder takes the first running number, how many alerts, and `now` (the bench's send time).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from streams.alerts.fingerprint import label_fingerprint

NAMES = [f"BenchIngest{i:02d}" for i in range(16)]
SITES = ("dc1", "dc2")
HEARTBEAT_NAMES = [f"bench-hb-{i:02d}" for i in range(16)]
GO_ZERO_TIME = "0001-01-01T00:00:00Z"  # what Alertmanager and Grafana send as endsAt of a firing alert


def rfc3339(now: datetime) -> str:
    return now.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _group(i: int) -> tuple[str, str]:
    """(alertname, site) number `i`: 16 names × 2 sites, as Alertmanager's default group_by would split them."""
    return NAMES[i % len(NAMES)], SITES[i // len(NAMES) % len(SITES)]


def alertmanager_api(first: int, count: int, now: datetime, tag: str) -> bytes:
    starts = rfc3339(now)
    items = []
    for n in range(first, first + count):
        items.append(
            '{"labels":{"alertname":"%s","site":"dc1","instance":"%s-%d","job":"bench","severity":"warning"},'
            '"annotations":{"summary":"bench alert %d"},"startsAt":"%s"}' % (NAMES[n % 16], tag, n, n, starts))
    return ("[" + ",".join(items) + "]").encode()


def _webhook_alerts(first: int, count: int, now: datetime, tag: str, extra_labels: dict[str, str],
                    extras: Callable[[int, dict[str, str]], dict]) -> tuple[list[dict], dict[str, str]]:
    name, site = _group(first // count)  # one notification group per request
    common = {"alertname": name, "site": site, "severity": "warning", **extra_labels}
    alerts = []
    for n in range(first, first + count):
        labels = {**common, "instance": f"{tag}-{n}:9100"}
        alerts.append({
            "status": "firing", "labels": labels,
            "annotations": {"summary": f"{name} on {tag}-{n}", "runbook_url": f"https://runbooks.example/{name}"},
            "startsAt": rfc3339(now), "endsAt": GO_ZERO_TIME,
            "generatorURL": f"http://prometheus.{site}.example:9090/graph?g0.expr=up%3D%3D0&g0.tab=1",
            "fingerprint": label_fingerprint(labels),
            **extras(n, labels),
        })
    return alerts, common


def alertmanager_webhook(first: int, count: int, now: datetime, tag: str) -> bytes:
    alerts, common = _webhook_alerts(first, count, now, tag, {"job": "node"}, lambda n, labels: {})
    name, site = common["alertname"], common["site"]
    return json.dumps({
        "receiver": "alertdesk", "status": "firing", "alerts": alerts,
        "groupLabels": {"alertname": name, "site": site}, "commonLabels": common,
        "commonAnnotations": {"runbook_url": f"https://runbooks.example/{name}"},
        "externalURL": "http://alertmanager.example:9093", "version": "4",
        "groupKey": '{}:{alertname="%s", site="%s"}' % (name, site), "truncatedAlerts": 0,
    }).encode()


def _grafana_extras(n: int, labels: dict[str, str]) -> dict:
    reading = 30 + n % 100 / 10
    return {
        "values": {"B": reading, "C": 1},
        "valueString": f"[ var='B' labels={{instance={labels['instance']}}} value={reading} ], "
                       f"[ var='C' labels={{instance={labels['instance']}}} value=1 ]",
        "silenceURL": "http://grafana.example:3000/alerting/silence/new?alertmanager=grafana",
        "dashboardURL": "http://grafana.example:3000/d/bench-rooms?orgId=1",
        "panelURL": "http://grafana.example:3000/d/bench-rooms?orgId=1&viewPanel=4",
    }


def grafana(first: int, count: int, now: datetime, tag: str) -> bytes:
    alerts, common = _webhook_alerts(first, count, now, tag, {"grafana_folder": "Datacenter"}, _grafana_extras)
    name, site = common["alertname"], common["site"]
    return json.dumps({
        "receiver": "alertdesk", "status": "firing", "orgId": 1, "alerts": alerts,
        "groupLabels": {"alertname": name, "site": site}, "commonLabels": common, "commonAnnotations": {},
        "externalURL": "http://grafana.example:3000/", "version": "1",
        "groupKey": '{}/{}:{alertname="%s", site="%s"}' % (name, site), "truncatedAlerts": 0,
        "title": f"[FIRING:{count}] {name} {site} (Datacenter warning)", "state": "alerting",
        "message": f"**Firing**\n\nValue: B={alerts[0]['values']['B']}\nLabels:\n - alertname = {name}\n",
    }).encode()


def zabbix(first: int, count: int, now: datetime, tag: str) -> bytes:
    """One event per request, as the media type sends: `count` is always 1."""
    n = first
    name, site = _group(n)
    return json.dumps({
        "zabbix_server": "zbx-bench", "event_id": str(10_000_000 + n), "event_value": "1",
        "event_name": f"{name}: high temperature on {tag}-{n}", "event_nseverity": "4", "event_severity": "High",
        "event_timestamp": str(int(now.timestamp())),
        "event_tags": [{"tag": "site", "value": site}, {"tag": "room", "value": "r1"}, {"tag": "scope", "value": "availability"}],
        "event_opdata": f"{30 + n % 100 / 10} °C", "host_name": f"{tag}-{n}", "host_ip": f"10.30.{n // 250 % 250}.{n % 250 + 1}",
        "host_groups": "Datacenter/Rooms", "trigger_id": str(20_000 + n % 500),
        "trigger_description": "Inlet temperature above 30 °C for 5 minutes",
        "event_url": f"https://zabbix.example/tr_events.php?triggerid={20_000 + n % 500}&eventid={10_000_000 + n}",
    }, ensure_ascii=False).encode()


def generic(first: int, count: int, now: datetime, tag: str) -> bytes:
    items = []
    for n in range(first, first + count):
        name, site = _group(n)
        items.append({
            "id": f"{tag}-evt-{n}", "name": name, "resource": f"{tag}-sensor-{n}", "severity": "major",
            "site": site, "room": "r1", "rack": f"a{n % 40:02d}", "value": 30 + n % 100 / 10,
            "labels": {"vendor": "bench", "kind": "temperature"},
            "annotations": {"summary": f"Inlet temperature on {tag}-sensor-{n} above 30 °C"},
            "starts_at": rfc3339(now),
        })
    return json.dumps(items, ensure_ascii=False).encode()


@dataclass(frozen=True)
class HttpSource:
    """How one HTTP source is loaded: path of request `i`, body builder, whether it takes batches."""

    path: Callable[[int], str]
    body: Callable[[int, int, datetime, str], bytes]
    batched: bool


HTTP_SOURCES: dict[str, HttpSource] = {
    "alertmanager-api": HttpSource(lambda i: "/api/v2/alerts", alertmanager_api, True),
    "alertmanager": HttpSource(lambda i: "/ingest/alertmanager", alertmanager_webhook, True),
    "grafana": HttpSource(lambda i: "/ingest/grafana", grafana, True),
    "zabbix": HttpSource(lambda i: "/ingest/zabbix", zabbix, False),
    "generic": HttpSource(lambda i: "/ingest/generic", generic, True),
    "heartbeat": HttpSource(lambda i: f"/heartbeat/{HEARTBEAT_NAMES[i % len(HEARTBEAT_NAMES)]}",
                            lambda first, count, now, tag: b"", False),
}

UPS_TRAP_ALARM_ENTRY_ADDED = "1.3.6.1.2.1.33.2.3"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SNMP_TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"
SNMP_TRAP_ADDRESS = "1.3.6.1.6.3.18.1.3.0"
UPS_ALARM_ID = "1.3.6.1.2.1.33.1.6.2.1.1"
UPS_ALARM_DESCR = "1.3.6.1.2.1.33.1.6.2.1.2"
UPS_WELL_KNOWN_ALARMS = "1.3.6.1.2.1.33.1.6.3"


def ups_trap(n: int) -> list[tuple[str, str, int | str]]:
    """Varbinds of trap `n` as (oid, type, value): alarm `n % 24 + 1` on UPS number `n`, row `n % 50 + 1` of its alarm table."""
    row = n % 50 + 1
    return [
        (SYS_UPTIME, "TimeTicks", 100 * n),
        (SNMP_TRAP_OID, "ObjectIdentifier", UPS_TRAP_ALARM_ENTRY_ADDED),
        (f"{UPS_ALARM_ID}.{row}", "Integer32", row),
        (f"{UPS_ALARM_DESCR}.{row}", "ObjectIdentifier", f"{UPS_WELL_KNOWN_ALARMS}.{n % 24 + 1}"),
        (SNMP_TRAP_ADDRESS, "IpAddress", f"10.20.{n // 250 % 250}.{n % 250 + 1}"),
    ]
