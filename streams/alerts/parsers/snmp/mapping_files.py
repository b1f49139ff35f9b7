"""I/O: read trap mapping files — the built-in UPS-MIB one from package data, vendor ones from disk — once, at start-up."""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Sequence

from streams.alerts.parsers.snmp.mapping import MappingError, load_mappings
from streams.alerts.parsers.snmp.rules import TrapMapping

BUILTIN_FILE = "ups-mib.yaml"
BUILTIN_NAME = f"{BUILTIN_FILE} (built in)"


def builtin_text() -> str:
    """The built-in RFC 1628 (UPS-MIB) mapping, shipped as package data."""
    return resources.files(__package__).joinpath(BUILTIN_FILE).read_text("utf-8")


def load_mapping_files(paths: Sequence[str | Path]) -> TrapMapping:
    """Load the built-in mapping followed by the files at `paths`, in order.

    Raises:
        MappingError: a file cannot be read, or a problem in any file (named with its entry and field).
    """
    sources = [(BUILTIN_NAME, builtin_text())]
    for path in paths:
        try:
            sources.append((str(path), Path(path).read_text("utf-8")))
        except OSError as exc:
            raise MappingError(f"{path}: cannot read the SNMP mapping file: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise MappingError(f"{path}: not UTF-8 text: {exc}") from None
    return load_mappings(sources)
