"""Pure: what an automated action would do — rendered, checked against the allow-list, shown before it runs.

An operator approves what they were shown, so the plan carries the exact argv or request
(`display`); the runner executes the plan, never the raw step again. Only arguments and the
HTTP body are rendered from the incident: `argv[0]` and the URL are fixed in the file, so a
hostile label cannot pick the program or the host. A command whose program is not on
`runbook_allowed_commands` is planned as refused and cannot run (the runner checks again).
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Mapping

from runbooks.model import Action, CommandAction
from runbooks.render import IncidentContext, render


class ActionRefused(ValueError):
    """The action may not run; the message says why (not on the allow-list, template failed)."""


@dataclass(frozen=True)
class PlannedAction:
    """An action ready to run, exactly as shown to the operator."""

    kind: str  # "command" or "http"
    display: str
    timeout_s: float
    argv: tuple[str, ...] = ()
    method: str = ""
    url: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None
    refusal: str = ""  # why it cannot run; empty when it may

    @property
    def allowed(self) -> bool:
        """True when the action may run once approved."""
        return not self.refusal


def plan_action(action: Action, context: IncidentContext, allowed_commands: frozenset[str]) -> PlannedAction:
    """Render the action for this incident and check it against the allow-list.

    Raises:
        runbooks.render.RenderError: an argument or the body does not render.
    """
    if isinstance(action, CommandAction):
        argv = (action.argv[0], *(render(arg, context) for arg in action.argv[1:]))
        refusal = "" if argv[0] in allowed_commands else (
            f"command {argv[0]!r} is not on the allow-list (setting runbook_allowed_commands); it cannot run"
        )
        return PlannedAction(
            kind="command",
            display=f"$ {shlex.join(argv)}   (timeout {action.timeout_s:g}s)",
            timeout_s=action.timeout_s,
            argv=argv,
            refusal=refusal,
        )
    body = render(action.body, context) if action.body is not None else None
    shown = f"{action.method} {action.url}   (timeout {action.timeout_s:g}s)" + (f"\n{body}" if body else "")
    return PlannedAction(
        kind="http",
        display=shown,
        timeout_s=action.timeout_s,
        method=action.method,
        url=action.url,
        headers=dict(action.headers),
        body=body,
    )
