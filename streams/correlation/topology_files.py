"""I/O: read topology files (YAML and CSV) from disk and build one validated `Topology`.

Everything but the reading is pure (`topology_format` parses, `topology_checks` validates);
this shell only opens the files and picks the format by extension, so the CLI, the startup
loader and the tests all see the same errors for the same file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from streams.correlation.topology import Topology
from streams.correlation.topology_checks import TopologyError, build_topology
from streams.correlation.topology_format import Entry, parse_csv, parse_yaml

# A CMDB export larger than this is a mistake (a wrong file), not a topology.
MAX_FILE_BYTES = 32 * 1024 * 1024
_PARSERS = {".yaml": parse_yaml, ".yml": parse_yaml, ".csv": parse_csv}

__all__ = ["TopologyError", "load_topology_files", "read_topology_files"]


def read_topology_files(paths: Iterable[str | Path]) -> tuple[list[Entry], list[str]]:
    """Read and parse every file; return all entries and every format error (none raised)."""
    entries: list[Entry] = []
    errors: list[str] = []
    for path in map(Path, paths):
        parser = _PARSERS.get(path.suffix.lower())
        if parser is None:
            errors.append(f"{path}: unknown file type {path.suffix!r} (use .yaml, .yml or .csv)")
            continue
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                errors.append(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
                continue
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(f"{path}: cannot read: {exc}")
            continue
        found, problems = parser(text, str(path))
        entries += found
        errors += problems
    return entries, errors


def load_topology_files(paths: Iterable[str | Path]) -> Topology:
    """Merge the files into one topology.

    Raises:
        TopologyError: naming file, line, component and problem for every error found.
    """
    paths = list(paths)
    if not paths:
        raise TopologyError(["no topology files given"])
    entries, errors = read_topology_files(paths)
    return build_topology(entries, errors)
