"""Pure: turn "page these people" into messages — one per notification rule — or a reason why not.

A person's notification rules say which contact method to use how long after the page starts
(SMS at once, a call two minutes later). Every planned message becomes an outbox row, sent or
not: a page that cannot go out (no contact method, quiet hours) is recorded with its reason so
"why wasn't I paged?" has an answer on the incident.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Mapping

from notify.directory import Person
from notify.schedules import in_window

#: Priorities that ignore quiet hours (and, in the dispatcher, rate limits).
URGENT_PRIORITIES = frozenset({"P1"})


class Purpose(StrEnum):
    """What an outbox row is for; part of its key, so a page and a notice never collide."""

    PAGE = "page"  # an escalation level paging someone
    MAJOR = "major"  # a major incident paging the configured roles
    ACKNOWLEDGED = "acknowledged"  # telling those already paged that someone has it
    RESOLVED = "resolved"
    MERGED = "merged"  # telling those already paged that the incident is now part of another one
    HANDOFF = "handoff"  # telling the incoming on-call engineer their shift starts
    REMINDER = "reminder"  # telling a silence's creator it is about to end, or has been open a long time


#: The purposes that page someone (the rest are notices); acknowledgement and resolution stop them.
PAGING_PURPOSES = frozenset({str(Purpose.PAGE), str(Purpose.MAJOR)})

#: Notices about no incident: each goes out on its own, never held back into a summary SMS (a summary
#: lists incidents) — one per shift or per silence, so they cannot make a storm.
UNBATCHED_PURPOSES = frozenset({str(Purpose.HANDOFF), str(Purpose.REMINDER)})


class NotSentReason(StrEnum):
    """Why an outbox row was not (or will not be) sent."""

    UNKNOWN_PERSON = "unknown_person"
    NO_CONTACT_METHOD = "no_contact_method"
    QUIET_HOURS = "quiet_hours"
    UNKNOWN_CHANNEL = "unknown_channel"
    ACKNOWLEDGED = "acknowledged"  # cancelled: someone acknowledged before it was due
    RESOLVED = "resolved"  # cancelled: the incident resolved before it was due
    GAVE_UP = "gave_up"  # the provider kept failing after every retry
    MISSED_HANDOFF = "missed_handoff"  # the shift began longer than the grace period ago (the pager was down)


@dataclass(frozen=True)
class PlannedMessage:
    """One message to one person's contact method, due at `due_at`; `not_sent` says why it never will be."""

    person: str
    contact: str
    channel: str
    address: str
    language: str
    due_at: datetime
    not_sent: NotSentReason | None = None


def plan_person(
    person_id: str, people: Mapping[str, Person], *, start: datetime, priority: str
) -> tuple[PlannedMessage, ...]:
    """The messages of one page to `person_id`, starting at `start`, following their notification rules.

    Quiet hours hold back every message of a non-P1 page that starts inside them; the escalation
    goes on to the next level, so someone else is reached.
    """
    person = people.get(person_id)
    if person is None:
        return (_unsent(person_id, start, NotSentReason.UNKNOWN_PERSON),)
    messages = []
    quiet = (
        person.quiet_hours is not None
        and priority not in URGENT_PRIORITIES
        and in_window(person.quiet_hours, start, person.timezone)
    )
    for rule in person.rules:
        method = person.contact(rule.contact)
        if method is None:
            continue
        messages.append(
            PlannedMessage(
                person=person.id,
                contact=method.id,
                channel=str(method.kind),
                address=method.address,
                language=person.language,
                due_at=start + rule.after,
                not_sent=NotSentReason.QUIET_HOURS if quiet else None,
            )
        )
    if not messages:
        return (_unsent(person.id, start, NotSentReason.NO_CONTACT_METHOD, person.language),)
    return tuple(messages)


def plan_notice(person_id: str, people: Mapping[str, Person], *, at: datetime) -> PlannedMessage:
    """A notice (acknowledged, resolved, handoff) goes once, to the person's first contact method that is not a call."""
    person = people.get(person_id)
    if person is None:
        return _unsent(person_id, at, NotSentReason.UNKNOWN_PERSON)
    ordered = [person.contact(rule.contact) for rule in person.rules] + list(person.contacts)
    method = next((m for m in ordered if m is not None and m.kind != "voice"), None)
    if method is None:
        return _unsent(person.id, at, NotSentReason.NO_CONTACT_METHOD, person.language)
    return PlannedMessage(person.id, method.id, str(method.kind), method.address, person.language, at)


def _unsent(person: str, at: datetime, reason: NotSentReason, language: str = "zh-CN") -> PlannedMessage:
    """The record of a page nobody could receive, and why."""
    return PlannedMessage(person=person, contact="", channel="", address="", language=language, due_at=at, not_sent=reason)


def page_key(*, incident_id: int | None, cycle: int, purpose: Purpose, step: int, person: str, contact: str, attempt: int) -> str:
    """The outbox row's unique key: replaying an event or re-running a step never adds a second row."""
    return f"{incident_id or '-'}/{cycle}/{purpose}/{step}/{person}/{contact or '-'}/{attempt}"


def notice_key(*, purpose: Purpose, subject: str, person: str, contact: str) -> str:
    """The key of a notice about no incident (a shift handoff, a silence reminder): one row per subject and person."""
    return f"-/{purpose}/{subject}/{person}/{contact or '-'}"
