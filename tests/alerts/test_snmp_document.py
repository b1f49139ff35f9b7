"""The trap document the SNMP receiver writes: every varbind kept, JSON-safe, and no community on the topic."""
from __future__ import annotations

import json

import pytest
from pysnmp.proto.rfc1902 import (
    Counter32,
    Counter64,
    Gauge32,
    Integer32,
    IpAddress,
    ObjectIdentifier,
    ObjectName,
    OctetString,
    Opaque,
    TimeTicks,
    Unsigned32,
)
from pysnmp.proto.rfc1905 import NoSuchObject

from streams.alerts.receivers.snmp_document import (
    SNMP_TRAP_COMMUNITY,
    SNMP_TRAP_OID,
    SYS_UPTIME,
    trap_document,
    varbind,
)

OID = "1.3.6.1.4.1.32473.9.1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Integer32(-7), {"type": "Integer32", "value": -7}),
        (OctetString("ups-a1"), {"type": "OctetString", "value": "ups-a1"}),
        (OctetString("二号机房 UPS".encode()), {"type": "OctetString", "value": "二号机房 UPS"}),
        (OctetString("line 1\r\nline\t2"), {"type": "OctetString", "value": "line 1\r\nline\t2"}),
        (OctetString(hexValue="00ff10"), {"type": "OctetString", "value": "00ff10", "encoding": "hex"}),
        (OctetString(b"mac\x00\x1b"), {"type": "OctetString", "value": "6d6163001b", "encoding": "hex"}),
        (ObjectIdentifier("1.3.6.1.2.1.33.1.6.3.2"), {"type": "ObjectIdentifier", "value": "1.3.6.1.2.1.33.1.6.3.2"}),
        (IpAddress("10.20.1.11"), {"type": "IpAddress", "value": "10.20.1.11"}),
        (Counter32(4294967295), {"type": "Counter32", "value": 4294967295}),
        (Gauge32(42), {"type": "Gauge32", "value": 42}),
        (Unsigned32(43), {"type": "Gauge32", "value": 43}),  # same SMI type, same tag
        (TimeTicks(8640000), {"type": "TimeTicks", "value": 8640000}),
        (Counter64(2**64 - 1), {"type": "Counter64", "value": 2**64 - 1}),
        (Opaque(b"\x9f\x78\x04"), {"type": "Opaque", "value": "9f7804", "encoding": "hex"}),
    ],
)
def test_every_smi_type_becomes_json_safe(value, expected: dict) -> None:
    entry = varbind(ObjectName(OID), value)
    assert entry == {"oid": OID, **expected}
    assert json.loads(json.dumps(entry)) == entry


def test_a_type_notifications_never_carry_is_kept_as_text() -> None:
    assert varbind(ObjectName(OID), NoSuchObject("")) == {"oid": OID, "type": "NoSuchObject", "value": "No Such Object currently exists at this OID"}


def document(*varbinds) -> dict:
    return trap_document(
        snmp_version="v1", pdu="trap", transport_address="10.0.0.9", transport_port=1024,
        security_name="community-1", security_level="noAuthNoPriv", context_engine_id=b"\x80\x00\x4f\xb8\x05",
        context_name="", varbinds=[(ObjectName(oid), value) for oid, value in varbinds],
    )


def test_header_fields_and_every_varbind_in_order() -> None:
    doc = document(
        (SYS_UPTIME, TimeTicks(55)),
        (SNMP_TRAP_OID, ObjectIdentifier("1.3.6.1.2.1.33.2.0.1")),
        ("1.3.6.1.6.3.18.1.3.0", IpAddress("10.9.9.9")),
        ("1.3.6.1.2.1.33.1.2.3.0", Integer32(12)),
    )
    assert (doc["trap_oid"], doc["uptime"], doc["context_engine_id"]) == ("1.3.6.1.2.1.33.2.0.1", 55, "80004fb805")
    assert [v["oid"] for v in doc["varbinds"]] == [SYS_UPTIME, SNMP_TRAP_OID, "1.3.6.1.6.3.18.1.3.0", "1.3.6.1.2.1.33.1.2.3.0"]


def test_the_v1_community_added_by_the_conversion_never_reaches_the_topic() -> None:
    doc = document((SYS_UPTIME, TimeTicks(1)), (SNMP_TRAP_OID, ObjectIdentifier("1.3.6.1.2.1.33.2.0.1")),
                   (SNMP_TRAP_COMMUNITY, OctetString("s3cret-community")))
    assert "s3cret-community" not in json.dumps(doc)
    assert SNMP_TRAP_COMMUNITY not in [v["oid"] for v in doc["varbinds"]]


def test_a_trap_without_a_usable_header_keeps_its_varbinds() -> None:
    doc = document((SYS_UPTIME, Integer32(5)), (SNMP_TRAP_OID, OctetString("not an oid")), (OID, Integer32(1)))
    assert (doc["trap_oid"], doc["uptime"], len(doc["varbinds"])) == ("", None, 3)
