"""Pure: the parser of source "snmp" — a trap document written by the SNMP receiver → alerts, through the trap mapping.

`parse_snmp` (the registry's entry) maps with the built-in UPS-MIB mapping only; `snmp_parser(files)`
builds a parser with vendor mapping files loaded after it (format: docs/snmp.md). Mapping files
are read once, when a parser is built (the built-in one on first use), never per trap.
"""
from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Callable, Sequence

from streams.alerts.model import Alert
from streams.alerts.parsers.fields import wire_precision
from streams.alerts.parsers.snmp.document import read_document
from streams.alerts.parsers.snmp.mapping import MappingError
from streams.alerts.parsers.snmp.mapping_files import load_mapping_files
from streams.alerts.parsers.snmp.rules import TrapMapping
from streams.alerts.parsers.snmp.translate import translate

SnmpParser = Callable[..., list[Alert]]


def parser_for(mapping: TrapMapping) -> SnmpParser:
    """A parser (the `Parser` protocol of `streams.alerts.parsers`) that maps trap documents with `mapping`."""

    def parse_snmp_trap(body: str, *, received_at: datetime, source: str) -> list[Alert]:
        """Parse one trap document.

        Raises:
            ParseError: the body is not a trap document; the reason names the field.
        """
        document = read_document(body)
        return translate(document, mapping, received_at=wire_precision(received_at), source=source)

    return parse_snmp_trap


def snmp_parser(mapping_files: Sequence[str | Path] = ()) -> SnmpParser:
    """A parser with the built-in mapping and then `mapping_files`.

    Raises:
        MappingError: a file cannot be read or is invalid; the message names the file, the entry and the field.
    """
    return parser_for(load_mapping_files(mapping_files))


@cache
def _builtin() -> SnmpParser:
    return snmp_parser()


def parse_snmp(body: str, *, received_at: datetime, source: str) -> list[Alert]:
    """Parse a trap document with the built-in UPS-MIB mapping only.

    Raises:
        ParseError: the body is not a trap document.
    """
    return _builtin()(body, received_at=received_at, source=source)


__all__ = ["MappingError", "parse_snmp", "parser_for", "snmp_parser"]
