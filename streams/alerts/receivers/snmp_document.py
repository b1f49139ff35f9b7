"""Pure: turn one received SNMP notification (pysnmp values) into the trap document, plain JSON, that goes on `alerts.raw`.

The document keeps what arrived and decides nothing (raw first; `streams/alerts/parsers/snmp/`
maps it later, so a mapping fix plus a replay recovers):

    {"snmp_version": "v2c", "pdu": "trap", "transport_address": "10.0.0.5", "transport_port": 1024,
     "security_name": "community-1", "security_level": "noAuthNoPriv",
     "context_engine_id": "80004fb8…", "context_name": "",
     "trap_oid": "1.3.6.1.2.1.33.2.3", "uptime": 48639,
     "varbinds": [{"oid": "1.3.6.1.2.1.1.3.0", "type": "TimeTicks", "value": 48639}, …]}

`varbinds` holds every varbind in order, sysUpTime.0 and snmpTrapOID.0 included. Values are
JSON-safe: integers as integers, OIDs and IP addresses as dotted strings, octet strings as text
when they are clean UTF-8, else as hex with `"encoding": "hex"` on the varbind. One varbind is
left out on purpose: snmpTrapCommunity.0, which pysnmp adds when it converts a v1 trap (RFC 3584
§3.1) and which would carry the community — a secret — onto the topic. `security_name` is
`community-N` (the N-th configured community) for v1/v2c and the USM user name for v3.
"""
from __future__ import annotations

import ipaddress
from typing import Any, Iterable

from pyasn1.type.base import Asn1Item
from pysnmp.proto import rfc1902
from pysnmp.proto.api import v1, v2c

CONTENT_TYPE = "application/vnd.alertdesk.snmp-trap+json"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SNMP_TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"
SNMP_TRAP_COMMUNITY = "1.3.6.1.6.3.18.1.4.0"

SNMP_VERSIONS = {0: "v1", 1: "v2c", 3: "v3"}  # message processing model → version
SECURITY_LEVELS = {1: "noAuthNoPriv", 2: "authNoPriv", 3: "authPriv"}

_TYPE_NAMES = {
    rfc1902.Integer32.tagSet: "Integer32",
    rfc1902.OctetString.tagSet: "OctetString",
    rfc1902.ObjectIdentifier.tagSet: "ObjectIdentifier",
    rfc1902.IpAddress.tagSet: "IpAddress",
    rfc1902.Counter32.tagSet: "Counter32",
    rfc1902.Gauge32.tagSet: "Gauge32",
    rfc1902.TimeTicks.tagSet: "TimeTicks",
    rfc1902.Opaque.tagSet: "Opaque",
    rfc1902.Counter64.tagSet: "Counter64",
    rfc1902.Null.tagSet: "Null",
}
_INTEGERS = {"Integer32", "Counter32", "Gauge32", "TimeTicks", "Counter64"}
_PDU_KINDS = {
    v1.TrapPDU.tagSet: "trap",
    v2c.SNMPv2TrapPDU.tagSet: "trap",
    v2c.InformRequestPDU.tagSet: "inform",
}


def pdu_kind(pdu: Asn1Item) -> str:
    """Name the notification PDU: "trap" (v1 or v2) or "inform" (acknowledged)."""
    return _PDU_KINDS.get(pdu.tagSet, type(pdu).__name__)


def varbind(oid: Any, value: Asn1Item) -> dict[str, Any]:
    """One varbind as JSON: numeric dotted `oid`, SMI `type` name, JSON-safe `value` (and `encoding` for hex)."""
    kind = _TYPE_NAMES.get(value.tagSet, type(value).__name__)
    entry: dict[str, Any] = {"oid": dotted(oid), "type": kind}
    if kind in _INTEGERS:
        entry["value"] = int(value)
    elif kind == "ObjectIdentifier":
        entry["value"] = dotted(value)
    elif kind == "Null":
        entry["value"] = None
    elif kind == "IpAddress" and len(value.asOctets()) == 4:
        entry["value"] = str(ipaddress.IPv4Address(value.asOctets()))
    elif kind in ("OctetString", "Opaque", "IpAddress"):
        entry.update(_octets(value.asOctets()))
    else:  # a type SNMP notifications do not carry; keep what pysnmp can say about it
        entry["value"] = value.prettyPrint()
    return entry


def dotted(oid: Any) -> str:
    """An OID as numeric dotted text, e.g. "1.3.6.1.2.1.33.2.1"."""
    return ".".join(str(arc) for arc in tuple(oid))


def _octets(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"value": raw.hex(), "encoding": "hex"}
    if all(char.isprintable() or char in "\t\r\n" for char in text):
        return {"value": text}
    return {"value": raw.hex(), "encoding": "hex"}


def trap_document(
    *,
    snmp_version: str,
    pdu: str,
    transport_address: str,
    transport_port: int,
    security_name: str,
    security_level: str,
    context_engine_id: bytes,
    context_name: str,
    varbinds: Iterable[tuple[Any, Asn1Item]],
) -> dict[str, Any]:
    """Build the trap document for one notification; see the module docstring for its shape."""
    entries = [varbind(oid, value) for oid, value in varbinds]
    entries = [entry for entry in entries if entry["oid"] != SNMP_TRAP_COMMUNITY]
    # Only a value of the right type counts: a malformed trap keeps its varbinds but gets no header.
    trap_oid = next((e["value"] for e in entries if e["oid"] == SNMP_TRAP_OID and e["type"] == "ObjectIdentifier"), "")
    uptime = next((e["value"] for e in entries if e["oid"] == SYS_UPTIME and e["type"] == "TimeTicks"), None)
    return {
        "snmp_version": snmp_version,
        "pdu": pdu,
        "transport_address": transport_address,
        "transport_port": transport_port,
        "security_name": security_name,
        "security_level": security_level,
        "context_engine_id": context_engine_id.hex(),
        "context_name": context_name,
        "trap_oid": trap_oid,
        "uptime": uptime,
        "varbinds": entries,
    }
