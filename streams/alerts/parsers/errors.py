"""Pure: the one error a parser raises, carrying a reason a person can act on.

The reason travels to `alerts.dlq` and into the 400 answer a receiver gives, so it names the
alert (its 0-based index in the body, as `jq '.[3]'` counts) and the field, e.g.
"alert #3: 'labels.alertname' is required".
"""
from __future__ import annotations


class ParseError(ValueError):
    """A body that can never become alerts; `reason` says why and where."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
