"""Pure: the incident lifecycle people drive — which action is allowed in which status, and what follows.

    triggered ──ack──► acknowledged ──resolve──► resolved ──close──► closed
      │   ▲                                       ▲  │
      │   └────────────────reopen─────────────────┼──┘
      └────────────────────resolve────────────────┘

Assigning, adding a note and linking a related incident leave the status as it is and are
allowed until the incident is closed; escalating by hand (page the next level now) is allowed
while it is open. A closed incident is history: nothing changes it, and an alert that fires again opens a
new incident (the writer's job). Refusals are `IllegalTransition`s whose message is meant for the
person who tried, e.g. "incident 7 is already acknowledged by li.wei at … (via sms)", because
two people acting on one incident at once is the normal case on a bad night, not an error in the
code.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from streams.clock import format_instant


class Status(StrEnum):
    """Where an incident is in its life."""

    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Action(StrEnum):
    """What a person can do to an incident."""

    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    ASSIGN = "assign"
    NOTE = "note"
    ESCALATE = "escalate"
    LINK = "link"


class Via(StrEnum):
    """Where an action came from: shown on the timeline and told to the others ("acked by li.wei via sms")."""

    UI = "ui"
    API = "api"
    CLI = "cli"
    SMS = "sms"
    PHONE = "phone"
    SYSTEM = "system"


class IllegalTransition(ValueError):
    """The action is not allowed in the incident's current status; the message says why, for a person."""


@dataclass(frozen=True)
class LastChange:
    """Who put the incident in its current status, when, and from where (ui, api, cli, sms, phone, system)."""

    actor: str
    via: str
    at: datetime


#: status → action → the status that follows. Anything missing is refused.
TRANSITIONS: dict[Status, dict[Action, Status]] = {
    Status.TRIGGERED: {
        Action.ACKNOWLEDGE: Status.ACKNOWLEDGED,
        Action.RESOLVE: Status.RESOLVED,
        Action.ASSIGN: Status.TRIGGERED,
        Action.NOTE: Status.TRIGGERED,
        Action.ESCALATE: Status.TRIGGERED,
        Action.LINK: Status.TRIGGERED,
    },
    Status.ACKNOWLEDGED: {
        Action.RESOLVE: Status.RESOLVED,
        Action.ASSIGN: Status.ACKNOWLEDGED,
        Action.NOTE: Status.ACKNOWLEDGED,
        Action.ESCALATE: Status.ACKNOWLEDGED,
        Action.LINK: Status.ACKNOWLEDGED,
    },
    Status.RESOLVED: {
        Action.CLOSE: Status.CLOSED,
        Action.REOPEN: Status.TRIGGERED,
        Action.ASSIGN: Status.RESOLVED,
        Action.NOTE: Status.RESOLVED,
        Action.LINK: Status.RESOLVED,
    },
    Status.CLOSED: {},
}

# Why an action is refused in a status, completing "incident 7 …".
_REFUSALS: dict[tuple[Status, Action], str] = {
    (Status.TRIGGERED, Action.CLOSE): "is not resolved yet: resolve it before closing it",
    (Status.TRIGGERED, Action.REOPEN): "is open (triggered): only a resolved incident can be reopened",
    (Status.ACKNOWLEDGED, Action.ACKNOWLEDGE): "is already acknowledged",
    (Status.ACKNOWLEDGED, Action.CLOSE): "is not resolved yet: resolve it before closing it",
    (Status.ACKNOWLEDGED, Action.REOPEN): "is open (acknowledged): only a resolved incident can be reopened",
    (Status.RESOLVED, Action.ACKNOWLEDGE): "is resolved: reopen it before acknowledging it",
    (Status.RESOLVED, Action.RESOLVE): "is already resolved",
    (Status.RESOLVED, Action.ESCALATE): "is resolved: there is nobody left to page; reopen it first",
    (Status.CLOSED, Action.REOPEN): "is closed and cannot be reopened; if the problem is back, a new incident opens",
}
_CLOSED = "is closed: a closed incident cannot be changed"
_VERBS = {Action.NOTE: "add a note", Action.LINK: "link"}


def next_status(current: str, action: str, *, incident_id: int | None = None, last: LastChange | None = None) -> Status:
    """The status an incident in `current` is in after `action`.

    Args:
        current: the incident's status now.
        action: what a person wants to do.
        incident_id: named in the refusal's message, when given.
        last: who put the incident in `current`; a refusal for "already …" names them.

    Returns:
        The next status (the same one for assign and note).

    Raises:
        IllegalTransition: if `action` is not allowed in `current`.
        ValueError: if `current` or `action` is not a known status or action.
    """
    status, wanted = _status(current), _action(action)
    following = TRANSITIONS[status].get(wanted)
    if following is not None:
        return following
    reason = _REFUSALS.get((status, wanted), _CLOSED if status is Status.CLOSED else f"is {status}")
    subject = f"incident {incident_id}" if incident_id is not None else "the incident"
    message = f"cannot {_VERBS.get(wanted, wanted)}: {subject} {reason}"
    if last is not None and reason.startswith("is already"):
        message += f" by {last.actor} at {format_instant(last.at)} (via {last.via})"
    raise IllegalTransition(message)


def allowed_actions(current: str) -> tuple[Action, ...]:
    """The actions allowed in `current`, in `Action` order (what a UI offers as buttons)."""
    allowed = TRANSITIONS[_status(current)]
    return tuple(action for action in Action if action in allowed)


def check_assignee(current: str | None, assignee: str, *, incident_id: int | None = None) -> str:
    """The assignee to record: `assignee` stripped.

    Raises:
        IllegalTransition: if the incident is already assigned to that assignee.
        ValueError: if `assignee` is blank.
    """
    wanted = assignee.strip()
    if not wanted:
        raise ValueError("assignee: say who (a person id or a group id), it is blank")
    if wanted == current:
        subject = f"incident {incident_id}" if incident_id is not None else "the incident"
        raise IllegalTransition(f"cannot assign: {subject} is already assigned to {wanted}")
    return wanted


def _status(value: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        raise ValueError(f"status {value!r} is not one of {', '.join(Status)}") from None


def _action(value: str) -> Action:
    try:
        return Action(value)
    except ValueError:
        raise ValueError(f"action {value!r} is not one of {', '.join(Action)}") from None
