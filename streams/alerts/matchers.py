"""Pure: label matchers with Alertmanager's semantics, and amtool's text syntax for them.

Silences and life-safety exceptions pick alerts with these. They behave as Alertmanager's do so
an operator's muscle memory (and a silence copied from Alertmanager) means the same thing here:
`=`, `!=`, `=~`, `!~`; regexes are fully anchored; a label the alert does not carry is the empty
string, so `team!="db"` matches an alert without a team label and `team=""` picks exactly those.

Regexes use Python's `re`, not Go's RE2: the common syntax is the same, backreferences and
look-arounds are accepted here, and the length bound keeps a pasted monster from slowing the
correlate stage (every alert change is matched against the active silences).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Mapping

MAX_NAME_CHARS = 256
MAX_REGEX_CHARS = 1024
MAX_VALUE_CHARS = 16384

# A label name amtool writes without quotes; anything else (spaces, Chinese, operators) is quoted.
_BARE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:\-]*")
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r"}
_UNESCAPES = {value: "\\" + key for key, value in _ESCAPES.items()}


class MatchOp(StrEnum):
    """The four Alertmanager match operators."""

    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"

    @property
    def is_regex(self) -> bool:
        """True for `=~` and `!~`."""
        return self in (MatchOp.REGEX, MatchOp.NOT_REGEX)

    @property
    def is_negative(self) -> bool:
        """True for `!=` and `!~`."""
        return self in (MatchOp.NOT_EQUAL, MatchOp.NOT_REGEX)


# Longest first, so `=~` is not read as `=` followed by a value starting with `~`.
_OPS_BY_LENGTH = sorted(MatchOp, key=lambda op: -len(op.value))


@dataclass(frozen=True)
class Matcher:
    """One `name op value` test on an alert's labels; the regex is compiled once, here.

    Raises:
        ValueError: on an empty or over-long name, an over-long value or regex, or a regex
            that does not compile; the message names the matcher.
    """

    name: str
    op: MatchOp
    value: str
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "op", _op(self.op, self.name))
        if not self.name:
            raise ValueError("matcher: label name is empty")
        if len(self.name) > MAX_NAME_CHARS:
            raise ValueError(f"matcher {self.name[:40]!r}…: label name longer than {MAX_NAME_CHARS} characters")
        limit = MAX_REGEX_CHARS if self.op.is_regex else MAX_VALUE_CHARS
        if len(self.value) > limit:
            raise ValueError(f"matcher on {self.name!r}: value longer than {limit} characters")
        if self.op.is_regex:
            try:
                object.__setattr__(self, "_pattern", re.compile(self.value))
            except re.error as exc:
                raise ValueError(f"matcher on {self.name!r}: invalid regex {self.value!r}: {exc}") from None

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether the label set passes this test; a missing label counts as ""."""
        actual = labels.get(self.name, "")
        if self._pattern is not None:
            hit = self._pattern.fullmatch(actual) is not None
        else:
            hit = actual == self.value
        return hit != self.op.is_negative

    def __str__(self) -> str:
        return format_matcher(self)


def _op(op: MatchOp | str, name: str) -> MatchOp:
    try:
        return MatchOp(op)
    except ValueError:
        raise ValueError(f"matcher on {name!r}: operator {op!r} is not one of =, !=, =~, !~") from None


def format_matcher(matcher: Matcher) -> str:
    """amtool's text form, `name=~"value"`; `parse_matcher` reads it back to an equal matcher."""
    name = matcher.name if _BARE_NAME.fullmatch(matcher.name) else _quote(matcher.name)
    return f"{name}{matcher.op.value}{_quote(matcher.value)}"


def parse_matcher(text: str) -> Matcher:
    """Read one matcher in amtool's syntax: `alertname=~"UPS.*"`, `site=dc1`, `"机房" != "A"`.

    The name is bare (letters, digits, `_ . : -`) or double-quoted; spaces may surround the
    operator; the value is double-quoted (escapes `\\\\ \\" \\n \\t \\r`; any other backslash is kept
    as written, so regex escapes such as `\\.` need no doubling) or bare, running to the end.

    Raises:
        ValueError: naming the matcher text and what is wrong with it.
    """
    rest = text.strip()
    if not rest:
        raise ValueError("matcher is empty; expected name=value, name!=value, name=~regex or name!~regex")
    if rest.startswith('"'):
        name, rest = _read_quoted(rest, text)
    else:
        bare = _BARE_NAME.match(rest)
        if bare is None:
            raise ValueError(f"matcher {text!r}: expected a label name at the start")
        name, rest = bare.group(), rest[bare.end():]
    rest = rest.lstrip()
    op = next((op for op in _OPS_BY_LENGTH if rest.startswith(op.value)), None)
    if op is None:
        raise ValueError(f"matcher {text!r}: expected an operator (=, !=, =~, !~) after label name {name!r}")
    rest = rest[len(op.value):].strip()
    if rest.startswith('"'):
        value, trailing = _read_quoted(rest, text)
        if trailing.strip():
            raise ValueError(f"matcher {text!r}: unexpected {trailing.strip()!r} after the quoted value")
    elif '"' in rest:
        raise ValueError(f"matcher {text!r}: a bare value must not contain '\"'; quote the whole value")
    else:
        value = rest
    return Matcher(name, op, value)


def _quote(text: str) -> str:
    return '"' + "".join(_UNESCAPES.get(char, char) for char in text) + '"'


def _read_quoted(text: str, whole: str) -> tuple[str, str]:
    """Read the double-quoted string at the start of `text`; return it unescaped and what follows."""
    chars: list[str] = []
    position = 1
    while position < len(text):
        char = text[position]
        if char == '"':
            return "".join(chars), text[position + 1:]
        if char == "\\" and position + 1 < len(text):
            following = text[position + 1]
            chars.append(_ESCAPES.get(following, "\\" + following))
            position += 2
            continue
        chars.append(char)
        position += 1
    raise ValueError(f"matcher {whole!r}: a quoted string is not closed (missing '\"')")


def matches_all(matchers: tuple[Matcher, ...], labels: Mapping[str, str]) -> bool:
    """Whether every matcher passes (Alertmanager's AND); an empty tuple matches everything."""
    return all(matcher.matches(labels) for matcher in matchers)
