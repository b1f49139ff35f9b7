"""Pure: the parsers, one per source format, and the registry receivers and normalize look them up in.

A parser turns one raw body into canonical `Alert`s or raises `ParseError` with a reason a
person can act on. Adding a source is adding a parser here, never a special case elsewhere.
"""
from __future__ import annotations

from datetime import datetime
from types import MappingProxyType
from typing import Mapping, Protocol

from streams.alerts.model import Alert
from streams.alerts.parsers.alertmanager_v2 import parse_alertmanager_v2
from streams.alerts.parsers.alertmanager_webhook import parse_alertmanager_webhook
from streams.alerts.parsers.errors import ParseError
from streams.alerts.parsers.generic import parse_generic
from streams.alerts.parsers.grafana import parse_grafana
from streams.alerts.parsers.heartbeat import parse_heartbeat
from streams.alerts.parsers.snmp import parse_snmp
from streams.alerts.parsers.zabbix import parse_zabbix


class Parser(Protocol):
    """Turn one raw body into alerts.

    Args:
        body: the body exactly as the receiver got it.
        received_at: the envelope's receive time, the parser's only notion of "now".
        source: the source name to record on each alert.

    Returns:
        The alerts in the body, in order.

    Raises:
        ParseError: when the body can never become alerts.
    """

    def __call__(self, body: str, *, received_at: datetime, source: str) -> list[Alert]: ...


PARSERS: Mapping[str, Parser] = MappingProxyType(
    {
        "alertmanager-api": parse_alertmanager_v2,
        "alertmanager": parse_alertmanager_webhook,
        "generic": parse_generic,
        "grafana": parse_grafana,
        "heartbeat": parse_heartbeat,
        "snmp": parse_snmp,  # built-in UPS-MIB mapping; snmp.snmp_parser(files) adds vendor mappings
        "zabbix": parse_zabbix,
    }
)


__all__ = ["PARSERS", "ParseError", "Parser"]
