"""Pure: turn one raw envelope into canonical alerts or a reason, never an exception.

The normalize agent sends `alerts` to `alerts.normalized` and, when `error` is set, the
envelope with `error` and `parser` to `alerts.dlq`. Receivers normalize too, before producing:
a body that can never parse (`refused`) is answered 400; a body a parser crashed on is still
accepted, because senders drop anything answered 4xx for good while a raw body can be
replayed once the parser is fixed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from streams.alerts.model import Alert, Envelope
from streams.alerts.parsers import PARSERS, ParseError, Parser

NO_PARSER = "none"


@dataclass(frozen=True)
class Normalized:
    """The outcome for one envelope: the alerts it held, or why it held none."""

    alerts: tuple[Alert, ...]
    error: str | None
    parser: str
    parser_crashed: bool = False

    @property
    def refused(self) -> bool:
        """True when the input itself is invalid (answer 4xx); False for success or a parser bug."""
        return self.error is not None and not self.parser_crashed


def normalize(envelope: Envelope, parsers: Mapping[str, Parser] = PARSERS) -> Normalized:
    """Parse `envelope` with the parser `parsers` holds for its source; never raises.

    `parsers` is the built-in registry unless the worker configured one (the SNMP parser, for
    one, takes its trap mappings from a file named in the settings).

    An unknown source, a `ParseError`, and also an unexpected exception in a parser (a bug)
    all come back as `error`, so the envelope lands in the dead-letter topic with its reason
    and can be replayed once the parser is fixed.
    """
    parse = parsers.get(envelope.source)
    if parse is None:
        return Normalized((), _unknown_source(envelope.source, parsers), NO_PARSER)
    try:
        alerts = parse(envelope.body, received_at=envelope.received_at, source=envelope.source)
    except ParseError as exc:
        return Normalized((), exc.reason, envelope.source)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the stream
        reason = f"parser {envelope.source!r} failed: {type(exc).__name__}: {exc}"
        return Normalized((), reason, envelope.source, parser_crashed=True)
    return Normalized(tuple(alerts), None, envelope.source)


def _unknown_source(source: str, parsers: Mapping[str, Parser]) -> str:
    return f"no parser for source {source!r}; known sources are {', '.join(sorted(parsers))}"
