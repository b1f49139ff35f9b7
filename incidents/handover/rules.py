"""Pure: what a shift handover must say, who may write and acknowledge it, and the snapshot it carries.

The outgoing person writes it (or an admin on their behalf); only the named incoming person (or
an admin) acknowledges it. Acknowledging twice is not an error: the first acknowledgement stands
and the second is answered with it, so a double click or a retried request changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping

from streams.clock import format_instant

MAX_NAME = 128
MAX_LABEL = 64
MAX_NOTES = 20_000
#: What the snapshot keeps of each open incident (a drill is listed too, marked: the incoming shift runs it on).
INCIDENT_KEYS = ("id", "title", "priority", "status", "assignee", "major", "drill", "opened_at")
#: A shift longer than this is a typo (a wrong day), not a shift.
MAX_SHIFT = timedelta(hours=48)


class HandoverError(ValueError):
    """A handover that cannot be written or acknowledged as asked; the message says why."""


class HandoverNotFound(HandoverError):
    """No handover has the given id."""


class HandoverForbidden(HandoverError):
    """The person is not the one who may do this (not the outgoing or incoming person, nor an admin)."""


class HandoverConflict(HandoverError):
    """The shift was already handed over, or the idempotency key was used for another handover."""


@dataclass(frozen=True)
class Draft:
    """A handover as the outgoing shift writes it, checked."""

    shift_label: str
    shift_start: datetime
    shift_end: datetime
    outgoing: str
    incoming: str
    notes: str


def draft(
    *, shift_label: str, shift_start: datetime, shift_end: datetime, outgoing: str, incoming: str, notes: str
) -> Draft:
    """Check and normalise what the outgoing shift wrote.

    Raises:
        HandoverError: blank or too long names or label, naive times, an end not after the start, a shift
            longer than `MAX_SHIFT`, the same person handing over to themselves, notes too long.
    """
    label = _name(shift_label, "shift_label", MAX_LABEL)
    out, into = _name(outgoing, "outgoing", MAX_NAME), _name(incoming, "incoming", MAX_NAME)
    if shift_start.tzinfo is None or shift_end.tzinfo is None:
        raise HandoverError("shift_start, shift_end: give a time zone (Z or an offset)")
    if shift_end <= shift_start:
        raise HandoverError("shift_end: must be after shift_start")
    if shift_end - shift_start > MAX_SHIFT:
        raise HandoverError(f"shift_end: a shift of {shift_end - shift_start} is longer than {MAX_SHIFT}")
    if out == into:
        raise HandoverError(f"incoming: {into} cannot hand over to themselves")
    if len(notes) > MAX_NOTES:
        raise HandoverError(f"notes: {len(notes)} characters, at most {MAX_NOTES}")
    return Draft(label, shift_start, shift_end, out, into, notes.strip())


def check_writer(writer: str, outgoing: str, *, is_admin: bool) -> None:
    """Only the outgoing person writes their shift's handover, unless an admin writes it for them.

    Raises:
        HandoverForbidden: when `writer` is someone else and not an admin.
    """
    if writer != outgoing and not is_admin:
        raise HandoverForbidden(f"only {outgoing} (the outgoing person) or an admin can write this handover")


def check_acknowledger(actor: str, incoming: str, *, is_admin: bool) -> None:
    """Only the named incoming person (or an admin) acknowledges a handover.

    Raises:
        HandoverForbidden: when `actor` is someone else and not an admin.
    """
    if actor != incoming and not is_admin:
        raise HandoverForbidden(f"only {incoming} (the incoming person) or an admin can acknowledge this handover")


def snapshot(
    *,
    incidents: Iterable[Mapping[str, Any]],
    silences: Iterable[Mapping[str, Any]],
    maintenance: Iterable[Mapping[str, Any]],
    runbook_steps: Iterable[Mapping[str, Any]],
    taken_at: datetime,
) -> dict[str, Any]:
    """The JSON snapshot stored with the handover: open incidents (`INCIDENT_KEYS`), active silences, running or
    upcoming maintenance windows, unfinished runbook steps."""
    return {
        "taken_at": format_instant(taken_at),
        "incidents": [
            {key: item.get(key) for key in INCIDENT_KEYS}
            for item in incidents
        ],
        "silences": [dict(item) for item in silences],
        "maintenance": [dict(item) for item in maintenance],
        "runbook_steps": [dict(item) for item in runbook_steps],
    }


def _name(value: str, field: str, limit: int) -> str:
    """`value` stripped; non-blank and at most `limit` characters."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise HandoverError(f"{field}: must not be blank")
    if len(text) > limit:
        raise HandoverError(f"{field}: {len(text)} characters, at most {limit}")
    return text
