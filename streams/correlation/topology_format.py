"""Pure: read topology YAML and CSV text into located entries, collecting every format error.

The YAML nests containers the way the room is built (sites > rooms > rows > racks, each may
hold `devices`), lists everything else under `components`, and business services under
`services`. The CSV is a device inventory, one component per line. Both become `Entry`s that
remember where they were written ("file:line"), so every later error points at a line the
engineer can open. Meaning (kinds, references, cycles) is checked in `topology_checks`.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, Mapping

import yaml

from streams.correlation.topology import SERVICE_KIND, Relation

# YAML key / CSV column of each relation's upstream list.
RELATION_KEYS: Mapping[str, Relation] = {
    "power_from": Relation.POWER,
    "cooled_by": Relation.COOLING,
    "network": Relation.NETWORK,
    "depends_on": Relation.SERVICE,
}
ENTRY_KEYS = frozenset({"id", "kind", "in", "name", "aliases", "labels", "criticality", "redundant"}) | set(RELATION_KEYS)
# Nested lists: which key holds which containment kind.
NESTED = {"rooms": "room", "rows": "row", "racks": "rack", "devices": None}
CHILD_KEYS = {"site": ("rooms", "devices"), "room": ("rows", "devices"), "row": ("racks", "devices"), "rack": ("devices",)}
TOP_KEYS = ("sites", "components", "services")
CSV_REQUIRED = ("id", "kind")
CSV_COLUMNS = frozenset(ENTRY_KEYS)


@dataclass(frozen=True)
class Entry:
    """One component as written, before its references are checked."""

    where: str
    id: str
    kind: str
    parent: str | None
    name: str = ""
    aliases: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    criticality: str | None = None
    upstreams: tuple[tuple[Relation, tuple[str, ...]], ...] = ()
    redundant: frozenset[Relation] = frozenset()


class _Located(dict):
    """A YAML mapping that remembers its line and any key written twice."""

    line = 0
    duplicate_keys: tuple[str, ...] = ()


class _LineLoader(yaml.SafeLoader):
    """A safe loader whose mappings carry their line numbers."""


def _construct_located(loader: _LineLoader, node: yaml.MappingNode) -> Any:
    data = _Located()
    data.line = node.start_mark.line + 1
    yield data
    keys = [loader.construct_object(key) for key, _ in node.value]
    data.duplicate_keys = tuple(str(k) for i, k in enumerate(keys) if k in keys[:i])
    data.update(loader.construct_mapping(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_located)


def parse_yaml(text: str, source: str) -> tuple[list[Entry], list[str]]:
    """Return the entries of a topology YAML document and every format error found."""
    try:
        document = yaml.load(text, Loader=_LineLoader)  # a SafeLoader: builds no objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"{mark.line + 1}" if mark is not None else "1"
        return [], [f"{source}:{line}: not valid YAML: {getattr(exc, 'problem', None) or exc}"]
    if document is None:
        return [], []
    if not isinstance(document, dict):
        return [], [f"{source}:1: a topology file is a mapping with keys {', '.join(TOP_KEYS)}"]
    reader = _Reader(source)
    for key in document:
        if key not in TOP_KEYS:
            reader.error(document, f"unknown top-level key {key!r} (expected {', '.join(TOP_KEYS)})")
    for item in reader.items(document, "sites"):
        reader.entry(item, implied_kind="site", parent=None)
    for item in reader.items(document, "components"):
        reader.entry(item, implied_kind=None, parent=None)
    for item in reader.items(document, "services"):
        reader.entry(item, implied_kind=SERVICE_KIND, parent=None)
    return reader.entries, reader.errors


def parse_csv(text: str, source: str) -> tuple[list[Entry], list[str]]:
    """Return the entries of a device-inventory CSV (lists separated by ";") and its errors."""
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [column.strip() for column in next(rows, [])]
    errors = [f"{source}:1: unknown column {c!r} (expected {', '.join(sorted(CSV_COLUMNS))})"
              for c in header if c not in CSV_COLUMNS]
    errors += [f"{source}:1: required column {c!r} is missing" for c in CSV_REQUIRED if c not in header]
    if errors:
        return [], errors
    reader = _Reader(source)
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            reader.errors.append(f"{source}:{line}: {len(row)} cells, the header has {len(header)}")
            continue
        item = _Located({k: _csv_cell(k, v.strip()) for k, v in zip(header, row) if v.strip()})
        item.line = line
        reader.entry(item, implied_kind=None, parent=None)
    return reader.entries, reader.errors


def _csv_cell(column: str, value: str) -> Any:
    if column in RELATION_KEYS or column == "aliases":
        return [part.strip() for part in value.split(";") if part.strip()]
    if column == "labels":
        return dict(part.strip().partition("=")[::2] for part in value.split(";") if part.strip())
    if column == "redundant":
        return {"true": True, "false": False}.get(value.lower(), [part.strip() for part in value.split(";")])
    return value


class _Reader:
    """Turns located mappings into entries, collecting errors instead of stopping at the first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.entries: list[Entry] = []
        self.errors: list[str] = []

    def error(self, node: Any, message: str) -> None:
        self.errors.append(f"{self.source}:{getattr(node, 'line', 1)}: {message}")

    def items(self, node: Mapping[str, Any], key: str) -> list[_Located]:
        """The mappings listed under `key`; anything else listed there is an error."""
        value = node.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(node, f"{key!r} must be a list")
            return []
        for index, item in enumerate(value):
            if not isinstance(item, _Located):
                self.error(node, f"{key}[{index}] must be a mapping with an id, got {item!r}")
        return [item for item in value if isinstance(item, _Located)]

    def entry(self, item: _Located, *, implied_kind: str | None, parent: str | None) -> None:
        """Read one entry (and the containers and devices nested in it)."""
        where = f"{self.source}:{item.line}"
        cid = self.scalar(item, "id")
        if not cid:
            self.error(item, "entry has no id")
            return
        kind = self.scalar(item, "kind") or implied_kind or ""
        if implied_kind and kind != implied_kind:
            self.error(item, f"{cid}: listed as a {implied_kind} but has kind {kind!r}")
        children = CHILD_KEYS.get(kind, ())
        for key in item:
            if key not in ENTRY_KEYS and key not in children:
                allowed = sorted(ENTRY_KEYS | set(children))
                self.error(item, f"{cid}: unknown key {key!r} (expected one of {', '.join(allowed)})")
        for key in item.duplicate_keys:
            self.error(item, f"{cid}: key {key!r} is written twice")
        if parent is not None and "in" in item:
            self.error(item, f"{cid}: nested entries take their container from the nesting; remove 'in'")
        self.entries.append(Entry(
            where=where, id=cid, kind=kind, parent=parent or self.scalar(item, "in") or None,
            name=self.scalar(item, "name") or "", aliases=self.strings(item, "aliases", cid),
            labels=self.labels(item, cid), criticality=self.scalar(item, "criticality") or None,
            upstreams=tuple((rel, self.strings(item, key, cid)) for key, rel in RELATION_KEYS.items() if key in item),
            redundant=self.redundant(item, cid),
        ))
        for child_key in children:
            for child in self.items(item, child_key):
                self.entry(child, implied_kind=NESTED[child_key], parent=cid)

    def scalar(self, item: Mapping[str, Any], key: str) -> str:
        value = item.get(key)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.error(item, f"{key!r} must be a text, got {value!r} (quote it)")
            return ""
        return str(value).strip()

    def strings(self, item: Mapping[str, Any], key: str, cid: str) -> tuple[str, ...]:
        value = item.get(key, [])
        values = [value] if isinstance(value, (str, int)) and not isinstance(value, bool) else value
        if not isinstance(values, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
            self.error(item, f"{cid}: {key!r} must be a list of ids or names, got {value!r}")
            return ()
        return tuple(str(v).strip() for v in values)

    def labels(self, item: Mapping[str, Any], cid: str) -> dict[str, str]:
        value = item.get("labels") or {}
        if not isinstance(value, dict):
            self.error(item, f"{cid}: 'labels' must be a mapping of names to values")
            return {}
        return {str(k): str(v) for k, v in value.items()}

    def redundant(self, item: Mapping[str, Any], cid: str) -> frozenset[Relation]:
        value = item.get("redundant", False)
        if value is True:
            return frozenset(rel for key, rel in RELATION_KEYS.items() if key in item)
        if value is False:
            return frozenset()
        names = {str(rel) for rel in Relation}
        if not isinstance(value, list) or not all(v in names for v in value):
            self.error(item, f"{cid}: 'redundant' must be true or a list of {', '.join(sorted(names))}, got {value!r}")
            return frozenset()
        return frozenset(Relation(v) for v in value)
