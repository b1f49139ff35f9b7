"""Pure: the `{name}` text templates of trap mappings (summary, description), checked when the mapping loads.

Deliberately not Jinja: a mapping file is configuration an operator edits, so a template is
literal text with `{name}` placeholders, `{{` and `}}` for literal braces, and nothing else.
Every placeholder must name a known variable (a declared varbind or a built-in), so a typo
fails at start-up with the file and entry named instead of showing up in a page at 3 a.m.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
MISSING = "?"  # what a placeholder shows when the trap did not carry that varbind


@dataclass(frozen=True)
class Template:
    """A parsed template: literal parts and placeholder names, alternating (literal first)."""

    parts: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The placeholder names, in order."""
        return self.parts[1::2]

    def render(self, values: Mapping[str, str]) -> str:
        """Fill the placeholders from `values`; a name with no value shows as `MISSING`."""
        return "".join(part if index % 2 == 0 else values.get(part, MISSING) for index, part in enumerate(self.parts))


def parse_template(text: str, known: frozenset[str] | set[str]) -> Template:
    """Parse `text`, refusing unbalanced braces and placeholders not in `known`.

    Raises:
        ValueError: naming the placeholder or the stray brace.
    """
    parts: list[str] = []
    literal: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        literal.append(text[position:match.start()])
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            literal.append(token[0])
        elif token in ("{", "}"):
            raise ValueError(f"unbalanced {token!r} at character {match.start()}; write {token * 2} for a literal brace")
        else:
            name = match.group(1).strip()
            if not _NAME.fullmatch(name):
                raise ValueError(f"{{{match.group(1)}}} is not a variable name")
            if name not in known:
                raise ValueError(f"unknown variable {{{name}}}; known are {', '.join(sorted(known))}")
            parts += ["".join(literal), name]
            literal = []
    literal.append(text[position:])
    parts.append("".join(literal))
    return Template(tuple(parts))
