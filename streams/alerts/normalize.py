"""Pure: turn one raw envelope into canonical alerts or a reason, never an exception.

The normalize agent sends `alerts` to `alerts.normalized` and, when `error` is set, the
envelope with `error` and `parser` to `alerts.dlq`. Receivers call `validate_body` first so a
body that can never parse is answered 400 instead of being produced.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from streams.alerts.model import Alert, Envelope
from streams.alerts.parsers import PARSERS, ParseError, parser_for

NO_PARSER = "none"


@dataclass(frozen=True)
class Normalized:
    """The outcome for one envelope: the alerts it held, or why it held none."""

    alerts: tuple[Alert, ...]
    error: str | None
    parser: str


def normalize(envelope: Envelope) -> Normalized:
    """Parse `envelope` with the parser registered for its source; never raises.

    An unknown source, a `ParseError`, and also an unexpected exception in a parser (a bug)
    all come back as `error`, so the envelope lands in the dead-letter topic with its reason
    and can be replayed once the parser is fixed.
    """
    parse = parser_for(envelope.source)
    if parse is None:
        return Normalized((), _unknown_source(envelope.source), NO_PARSER)
    try:
        alerts = parse(envelope.body, received_at=envelope.received_at, source=envelope.source)
    except ParseError as exc:
        return Normalized((), exc.reason, envelope.source)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the stream
        return Normalized((), f"parser {envelope.source!r} failed: {type(exc).__name__}: {exc}", envelope.source)
    return Normalized(tuple(alerts), None, envelope.source)


def validate_body(source: str, body: str, received_at: datetime) -> str | None:
    """Return why `body` can never become alerts from `source`, or None when it is acceptable.

    Only input errors are reported. A parser bug returns None: the body is accepted into
    `alerts.raw` (and dead-lettered by normalize) rather than answered 4xx, because senders
    drop anything answered 4xx for good while a raw body can be replayed after the fix.
    """
    parse = parser_for(source)
    if parse is None:
        return _unknown_source(source)
    try:
        parse(body, received_at=received_at, source=source)
    except ParseError as exc:
        return exc.reason
    except Exception:  # noqa: BLE001 - see docstring: keep the body, fix the parser, replay
        return None
    return None


def _unknown_source(source: str) -> str:
    return f"no parser for source {source!r}; known sources are {', '.join(sorted(PARSERS))}"
