"""Pure: the three roles, their order, and what each may do.

A role includes everything below it: an operator may read, an admin may act. Routes name the
lowest role they need (`access.web.require`); the HTTP app's default floor is in `access.policy`.
"""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """viewer < operator < admin."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Position in the order; higher includes lower."""
        return _ORDER.index(self)

    def allows(self, required: Role) -> bool:
        """True when this role is `required` or above it."""
        return self.rank >= required.rank


_ORDER = (Role.VIEWER, Role.OPERATOR, Role.ADMIN)

#: What each role adds to the one below it (docs/security.md shows this table).
ABILITIES: dict[Role, tuple[str, ...]] = {
    Role.VIEWER: ("read incidents, alerts, silences, maintenance, pages, topology, reports", "see the board"),
    Role.OPERATOR: (
        "acknowledge, resolve, close, reopen, assign, note and escalate incidents",
        "create and expire silences and maintenance windows",
        "run runbooks and sign off their steps",
        "write and acknowledge shift handovers",
    ),
    Role.ADMIN: ("manage users and API tokens", "read the audit log", "load topology, approve safety exceptions"),
}


def parse_role(text: str) -> Role:
    """The role named by `text` (case-insensitive).

    Raises:
        ValueError: `text` names no role; the message lists the valid ones.
    """
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise ValueError(f"unknown role {text!r}: use one of {', '.join(_ORDER)}") from None
