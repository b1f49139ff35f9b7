"""I/O: read paging files (YAML) from disk and build one validated `Directory`.

Everything but the reading is pure (`directory_parse` reads and checks, `directory_format` holds
the value formats); this shell only opens the files, so the CLI, the startup loader and the
tests all see the same errors for the same file. Several files merge into one directory (people
in one, schedules in another); an id defined in two files is an error naming both.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from notify.directory import Directory
from notify.directory_parse import DirectoryError, Document, build_directory, parse_directory, parse_document

# A paging file is a few hundred lines; anything this large is the wrong file.
MAX_FILE_BYTES = 4 * 1024 * 1024
SUFFIXES = (".yaml", ".yml")

__all__ = ["DirectoryError", "load_directory", "parse_directory"]


def load_directory(paths: Sequence[Path]) -> Directory:
    """Read, merge and check the paging files.

    Raises:
        DirectoryError: every problem in every file ("file:line: what is wrong (expected)"),
            including files that cannot be read.
    """
    if not paths:
        raise DirectoryError(["no paging files given (expected one or more .yaml files)"])
    documents: list[Document] = []
    for path in map(Path, paths):
        if path.suffix.lower() not in SUFFIXES:
            documents.append(_failed(path, f"unknown file type {path.suffix!r} (expected .yaml or .yml)"))
            continue
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                documents.append(_failed(path, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB (expected a paging file)"))
                continue
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            documents.append(_failed(path, f"cannot read: {exc}"))
            continue
        documents.append(parse_document(text, str(path)))
    return build_directory(documents)


def _failed(path: Path, message: str) -> Document:
    """A document that holds only the error of a file that could not be read."""
    return Document(source=str(path), errors=[f"{path}:1: {message}"], read=False)
