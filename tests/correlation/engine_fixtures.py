"""A small machine room for engine tests: one site, one room, two rows of racks, power, cooling, network."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from streams.alerts.fingerprint import label_fingerprint
from streams.alerts.model import Alert, AlertChange, AlertStatus, ChangeKind, Severity
from streams.correlation.topology import Component, Dependency, Relation, Topology
from streams.ids import deterministic_id

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)


def room() -> Topology:
    """utility → ups-1 → pdu-a01/pdu-a02 → racks a01/a02 (row a); ac-03 → zone-a → row a; sw-core → sw-a → servers."""
    c = [
        Component("dc1", "site", "上海数据中心", None),
        Component("mr1", "room", "一号机房", "dc1"),
        Component("row-a", "row", "A列", "mr1"),
        Component("row-b", "row", "B列", "mr1"),
        Component("a01", "rack", "A01", "row-a"),
        Component("a02", "rack", "A02", "row-a"),
        Component("b01", "rack", "B01", "row-b"),
        Component("utility-1", "utility", "市电", "dc1"),
        Component("ups-1", "ups", "1号UPS", "mr1"),
        Component("pdu-a01", "pdu", "PDU A01", "a01"),
        Component("pdu-a02", "pdu", "PDU A02", "a02"),
        Component("pdu-b01", "pdu", "PDU B01", "b01"),
        Component("ac-03", "air_conditioner", "3号精密空调", "mr1"),
        Component("zone-a", "cooling_zone", "A区", "mr1"),
        Component("ac-04", "air_conditioner", "4号精密空调", "mr1"),
        Component("zone-b", "cooling_zone", "B区", "mr1"),
        Component("sw-core", "switch", "核心交换机", "mr1"),
        Component("sw-a", "switch", "A列接入", "row-a"),
        Component("web-01", "server", "web-01", "a01", aliases=("10.1.1.1",)),
        Component("web-02", "server", "web-02", "a01"),
        Component("db-01", "server", "db-01", "a02"),
        Component("app-01", "server", "app-01", "b01"),
        Component("temp-a1", "sensor", "A列温度1", "a01"),
        Component("temp-a2", "sensor", "A列温度2", "a02"),
        Component("banking", "service", "核心业务", None, criticality="critical"),
    ]
    d = [
        Dependency("ups-1", "utility-1", Relation.POWER),
        Dependency("pdu-a01", "ups-1", Relation.POWER),
        Dependency("pdu-a02", "ups-1", Relation.POWER),
        Dependency("pdu-b01", "ups-1", Relation.POWER),
        Dependency("a01", "pdu-a01", Relation.POWER),
        Dependency("a02", "pdu-a02", Relation.POWER),
        Dependency("b01", "pdu-b01", Relation.POWER),
        Dependency("zone-a", "ac-03", Relation.COOLING),
        Dependency("zone-b", "ac-04", Relation.COOLING),
        Dependency("row-a", "zone-a", Relation.COOLING),
        Dependency("row-b", "zone-b", Relation.COOLING),
        Dependency("sw-a", "sw-core", Relation.NETWORK),
        Dependency("row-a", "sw-a", Relation.NETWORK),
        Dependency("banking", "db-01", Relation.SERVICE),
    ]
    return Topology(c, d)


def alert(name: str, resource: str, *, at: datetime = T0, status: str = "firing", severity: str = "critical",
          site: str = "dc1", value: str | None = None, **labels: str) -> Alert:
    """An alert as a parser makes it, fingerprinted by its labels."""
    all_labels = {"alertname": name, "instance": resource, "site": site, **labels}
    return Alert(
        fingerprint=label_fingerprint(all_labels), source="test", status=AlertStatus(status),
        severity=Severity(severity), name=name, resource=resource, location={"site": site} if site else {},
        labels=all_labels, annotations={}, starts_at=at, received_at=at,
        ends_at=at if status == "resolved" else None, value=value,
    )


def change(a: Alert, kind: ChangeKind | None = None) -> AlertChange:
    """The change dedupe would emit for `a`."""
    kind = kind or (ChangeKind.NEW if a.status is AlertStatus.FIRING else ChangeKind.RESOLVED)
    return AlertChange(kind, a, a.site or "-", deterministic_id(a.fingerprint, str(kind), a.received_at.isoformat()))


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)
