"""Pure: the machine-room storm of `alertdesk bench storm`: the room's topology, its alerts, their bodies, the schedule.

The room: `racks` racks, 10 per row; one cooling zone and one precision air conditioner per
two rows; a PDU per rack, the even racks' PDUs on UPS-1 and the odd ones' on UPS-2; `hosts`
servers per rack. The storm is the ac-failure and ups-battery scenarios scaled up: every air
conditioner fails (AirConditionerFault), UPS-1 goes on battery (UPSOnBattery), then every server
reports NodeInletTemperatureHigh and CPUThrottlingHigh, every PDU on UPS-1 PDUInputPowerLost and
every server on UPS-1 NodePowerSupplyLost. Expected: one cooling incident per air conditioner,
one power incident for UPS-1, every other alert a symptom of one of them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

SITE = "storm"
BATCH = 64
#: The sender looks for due alerts this many times a second.
TICKS_PER_S = 100

StormAlert = tuple[str, str, str]  # (alertname, instance, severity)


def topology(racks: int, hosts: int) -> str:
    """The room as a topology YAML document (docs/topology.md)."""
    rows = (racks + 9) // 10
    devices = ["{id: ups-1, kind: ups}", "{id: ups-2, kind: ups}"]
    devices += [f"{{id: ac-{z}, kind: air_conditioner}}" for z in range((rows + 1) // 2)]
    devices += [f"{{id: zone-{z}, kind: cooling_zone, cooled_by: [ac-{z}]}}" for z in range((rows + 1) // 2)]
    lines = ["sites:", f"  - id: {SITE}", "    rooms:", "      - id: mr1", "        devices:"]
    lines += [f"          - {device}" for device in devices]
    lines.append("        rows:")
    for row in range(rows):
        lines += [f"          - id: row-{row}", f"            cooled_by: [zone-{row // 2}]", "            racks:"]
        for rack in range(row * 10, min(racks, row * 10 + 10)):
            lines.append(f"              - {{id: r{rack:03d}, power_from: [pdu-{rack:03d}], devices: "
                         f"[{{id: pdu-{rack:03d}, kind: pdu, power_from: [ups-{rack % 2 + 1}]}}]}}")
    lines.append("components:")
    lines += [f"  - {{id: h{rack:03d}-{host:02d}, kind: server, in: r{rack:03d}}}"
              for rack in range(racks) for host in range(hosts)]
    return "\n".join(lines) + "\n"


def storm(racks: int, hosts: int) -> list[StormAlert]:
    """(alertname, instance, severity) of every alert, causes first, then the symptoms rack by rack."""
    zones = ((racks + 9) // 10 + 1) // 2
    alerts = [("AirConditionerFault", f"ac-{z}", "critical") for z in range(zones)]
    alerts.append(("UPSOnBattery", "ups-1", "critical"))
    for rack in range(racks):
        servers = [f"h{rack:03d}-{host:02d}" for host in range(hosts)]
        alerts += [(name, server, "warning")
                   for name in ("NodeInletTemperatureHigh", "CPUThrottlingHigh") for server in servers]
        if rack % 2 == 0:
            alerts.append(("PDUInputPowerLost", f"pdu-{rack:03d}", "critical"))
            alerts += [("NodePowerSupplyLost", server, "major") for server in servers]
    return alerts


def body(batch: list[StormAlert], starts_at: str) -> bytes:
    """A `POST /api/v2/alerts` body (what Prometheus sends to Alertmanager and to alertdesk alike)."""
    return json.dumps([
        {"labels": {"alertname": name, "instance": instance, "site": SITE, "severity": severity}, "startsAt": starts_at}
        for name, instance, severity in batch
    ]).encode()


@dataclass(frozen=True)
class Post:
    """One POST: `count` alerts from the `first`-th on (counting round the storm), sent `at_s` after the start."""

    at_s: float
    first: int
    count: int


def schedule(total: int, rate: float, *, batch: int = BATCH, ticks_per_s: int = TICKS_PER_S) -> list[Post]:
    """Open loop: at each tick every alert due by then (the n-th at n / rate), in POSTs of at most `batch`."""
    posts: list[Post] = []
    sent = tick = 0
    while sent < total:
        due = min(total, int(rate * tick / ticks_per_s) + 1)
        while sent < due:
            count = min(batch, due - sent)
            posts.append(Post(tick / ticks_per_s, sent, count))
            sent += count
        tick += 1
    return posts


def alerts_of(alerts: list[StormAlert], post: Post) -> list[StormAlert]:
    """The alerts one POST carries, going round the storm again after its last alert (Prometheus re-sending)."""
    return [alerts[(post.first + i) % len(alerts)] for i in range(post.count)]
