"""I/O: read runbook files — the shipped library plus the folders in `runbook_dirs` — into a `Catalogue`.

A worker refuses to start with a broken runbook (the error names file and line), because a
runbook that fails to load is found at 03:00 otherwise. A runbook id defined twice is an error
too, except that a file in a configured folder may replace a shipped one of the same id: that
is how a site adapts the library without editing the package.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

from runbooks.lint import LintError, LintResult, lint_text
from runbooks.model import Runbook

LIBRARY = Path(__file__).parent / "library"
SUFFIXES = (".yaml", ".yml")


class CatalogueError(ValueError):
    """One or more runbook files are not valid; the message lists each problem as file:line: message."""

    def __init__(self, errors: Iterable[LintError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


@cache
def load_schema() -> Mapping[str, Any]:
    """The runbook JSON Schema shipped in the package."""
    return json.loads(resources.files("runbooks").joinpath("schema/runbook.schema.json").read_text("utf-8"))


def lint_file(path: Path) -> LintResult:
    """Check one file (unreadable or not UTF-8 is an error too)."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return LintResult(None, (LintError(str(path), None, f"cannot read: {exc}"),))
    return lint_text(text, str(path), load_schema())


def runbook_files(folder: Path) -> list[Path]:
    """The runbook files of a folder, sorted.

    Raises:
        CatalogueError: the folder does not exist.
    """
    if not folder.is_dir():
        raise CatalogueError([LintError(str(folder), None, "runbook folder not found")])
    return sorted(path for path in folder.iterdir() if path.suffix in SUFFIXES)


@dataclass(frozen=True)
class Catalogue:
    """Every runbook this worker knows, by id."""

    runbooks: Mapping[str, Runbook]

    def get(self, runbook_id: str) -> Runbook | None:
        """The runbook with this id, or None."""
        return self.runbooks.get(runbook_id)

    def all(self) -> list[Runbook]:
        """Every runbook, by id."""
        return [self.runbooks[key] for key in sorted(self.runbooks)]


def load_catalogue(extra_dirs: Iterable[str | Path] = (), *, library: Path = LIBRARY) -> Catalogue:
    """Load the shipped library, then each configured folder (which may override a shipped id).

    Raises:
        CatalogueError: any file is invalid, or two files in the same layer define one id.
    """
    found: dict[str, Runbook] = {}
    errors: list[LintError] = []
    for layer in (library, *map(Path, extra_dirs)):
        in_layer: dict[str, Path] = {}
        try:
            paths = runbook_files(layer)
        except CatalogueError as exc:
            errors.extend(exc.errors)
            continue
        for path in paths:
            result = lint_file(path)
            errors.extend(result.errors)
            if result.runbook is None:
                continue
            if result.runbook.id in in_layer:
                errors.append(LintError(str(path), None, f"runbook id {result.runbook.id!r} is also defined in {in_layer[result.runbook.id]}"))
                continue
            in_layer[result.runbook.id] = path
            found[result.runbook.id] = result.runbook
    if errors:
        raise CatalogueError(errors)
    return Catalogue(runbooks=found)
