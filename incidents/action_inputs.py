"""Pure: what every person's action on an incident checks first — who, from where, which words, which request.

The refusals are `ActionError`s whose message names the field, for the person who sent it.
"""
from __future__ import annotations

from incidents.lifecycle import Via
from streams.ids import deterministic_id

#: The column sizes of `timeline_events.actor` and `incidents.assignee`.
MAX_NAME = 128


class ActionError(ValueError):
    """An action that cannot be applied as asked; the message says what is wrong, for the person who asked."""


class IncidentNotFound(ActionError):
    """No incident has the given id."""


class IdempotencyKeyReused(ActionError):
    """The request id was already used for a different action or incident."""


def action_command_id(request_id: str) -> str:
    """The timeline's `command_id` of a person's request: its own namespace, apart from correlation's command ids."""
    return deterministic_id("incident-action", request_id)


def bounded(value: str, field: str) -> str:
    """`value` stripped; it must be a non-blank name of at most `MAX_NAME` characters."""
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        raise ActionError(f"{field}: say who, it is blank")
    if len(name) > MAX_NAME:
        raise ActionError(f"{field}: {len(name)} characters, at most {MAX_NAME}")
    return name


def via_of(value: str) -> str:
    """`value` as a known channel (ui, api, cli, sms, phone, system)."""
    try:
        return str(Via(value))
    except ValueError:
        raise ActionError(f"via: {value!r} is not one of {', '.join(Via)}") from None


def free_text(value: str, field: str) -> str:
    """Free text for the timeline, stripped."""
    if not isinstance(value, str):
        raise ActionError(f"{field}: must be text, got {type(value).__name__}")
    return value.strip()
