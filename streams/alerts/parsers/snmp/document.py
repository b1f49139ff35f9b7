"""Pure: read and check a trap document (what `streams/alerts/receivers/snmp_document.py` writes) into a `TrapDocument`.

The receiver writes these, but a body on `alerts.raw` can come from anywhere (`alertdesk send`,
a replay, a bug), so every field is checked and anything wrong is a `ParseError` naming it.
Keys this version does not know are ignored, so a newer receiver's documents still parse
during a rolling upgrade.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from streams.alerts.parsers.errors import ParseError
from streams.alerts.parsers.fields import MAX_VALUE_CHARS, json_type, load_json, require_object, text

MAX_VARBINDS = 1000
MAX_OID_CHARS = 512
SNMP_TRAP_ADDRESS = "1.3.6.1.6.3.18.1.3.0"  # RFC 3584: the v1 agent-addr, kept by the v1→v2 conversion
HEADER_OIDS = frozenset({"1.3.6.1.2.1.1.3.0", "1.3.6.1.6.3.1.1.4.1.0"})  # sysUpTime.0, snmpTrapOID.0
_OID = re.compile(r"[0-9]+(\.[0-9]+)*")
_WHERE = "trap document"


@dataclass(frozen=True)
class Varbind:
    """One varbind as the receiver recorded it."""

    oid: str
    type: str
    value: str | int | None
    hex: bool = False

    @property
    def text(self) -> str:
        """The value as text: numbers in decimal, hex octets as `0x…`, no value as ''."""
        if self.value is None:
            return ""
        if self.hex:
            return f"0x{self.value}"
        return str(self.value)


@dataclass(frozen=True)
class TrapDocument:
    """A checked trap document."""

    snmp_version: str
    pdu: str
    transport_address: str
    security_name: str
    trap_oid: str
    uptime: int | None
    varbinds: tuple[Varbind, ...]

    @property
    def agent(self) -> str:
        """The address of the agent that sent the trap: a v1 trap's agent-addr if present, else the UDP source."""
        forwarded = next((v for v in self.varbinds if v.oid == SNMP_TRAP_ADDRESS and v.type == "IpAddress"), None)
        return forwarded.text if forwarded is not None and forwarded.text else self.transport_address

    def find(self, oid: str) -> Varbind | None:
        """The first varbind whose OID is `oid` or an instance of it (`oid` plus index arcs)."""
        prefix = oid + "."
        return next((v for v in self.varbinds if v.oid == oid or v.oid.startswith(prefix)), None)


def read_document(body: str) -> TrapDocument:
    """Decode and check a trap document.

    Raises:
        ParseError: naming the field that is missing or wrong.
    """
    data = require_object(load_json(body), _WHERE)
    items = data.get("varbinds")
    if not isinstance(items, list):
        raise ParseError(f"{_WHERE}: 'varbinds' must be an array, got {json_type(items)}")
    if len(items) > MAX_VARBINDS:
        raise ParseError(f"{_WHERE}: 'varbinds' has {len(items)} entries; at most {MAX_VARBINDS} are accepted")
    trap_oid = _string(data, "trap_oid")
    if trap_oid and not _OID.fullmatch(trap_oid):
        raise ParseError(f"{_WHERE}: 'trap_oid' must be a numeric dotted OID, got {trap_oid[:80]!r}")
    uptime = data.get("uptime")
    if uptime is not None and (not isinstance(uptime, int) or isinstance(uptime, bool)):
        raise ParseError(f"{_WHERE}: 'uptime' must be an integer or null, got {json_type(uptime)}")
    return TrapDocument(
        snmp_version=_string(data, "snmp_version"),
        pdu=_string(data, "pdu"),
        transport_address=_string(data, "transport_address"),
        security_name=_string(data, "security_name"),
        trap_oid=trap_oid,
        uptime=uptime,
        varbinds=tuple(_varbind(item, f"{_WHERE}: varbind #{index}") for index, item in enumerate(items)),
    )


def _string(data: dict[str, Any], field: str) -> str:
    if field not in data:
        raise ParseError(f"{_WHERE}: '{field}' is required")
    return text(data[field], _WHERE, field, limit=MAX_OID_CHARS)


def _varbind(item: Any, where: str) -> Varbind:
    item = require_object(item, where)
    for field in ("oid", "type", "value"):
        if field not in item:
            raise ParseError(f"{where}: '{field}' is required")
    oid = text(item["oid"], where, "oid", limit=MAX_OID_CHARS)
    if not _OID.fullmatch(oid):
        raise ParseError(f"{where}: 'oid' must be a numeric dotted OID, got {oid[:80]!r}")
    kind = text(item["type"], where, "type", limit=64)
    value = item["value"]
    if isinstance(value, bool) or not isinstance(value, (int, str, type(None))):
        raise ParseError(f"{where}: 'value' must be a string, an integer or null, got {json_type(value)}")
    if isinstance(value, str):
        text(value, where, "value", limit=MAX_VALUE_CHARS)
    encoding = item.get("encoding")
    if encoding not in (None, "hex"):
        raise ParseError(f"{where}: 'encoding' must be \"hex\" when given")
    if encoding == "hex" and not (isinstance(value, str) and re.fullmatch(r"(?:[0-9a-f]{2})*", value)):
        raise ParseError(f"{where}: a value with encoding \"hex\" must be lowercase hex digit pairs")
    return Varbind(oid, kind, value, hex=encoding == "hex")
