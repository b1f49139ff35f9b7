"""Pure: render a step's text (and an action's arguments) against the incident, in jinja2's sandbox.

Labels come from monitoring and SNMP traps, i.e. from anyone who can send an alert, and runbook
files come from the people who maintain them: neither may reach Python objects. Rendering runs
in `ImmutableSandboxedEnvironment` (no attribute starting with `_`, no mutation of the context,
bounded `range`), a value inserted into a template is never rendered again, the output is capped,
and any failure becomes `RenderError` with a message the panel can show instead of the step.
HTML escaping is the page's job (the panel template autoescapes), so this renders plain text.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from jinja2 import ChainableUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

#: A rendered step is read at 03:00 on a phone: longer output means a template loops over something it should not.
MAX_OUTPUT_CHARS = 20_000


class RenderError(ValueError):
    """A template failed to render; the message says which and why."""


def sandbox() -> ImmutableSandboxedEnvironment:
    """The one environment runbook templates are parsed and rendered in (missing fields render empty)."""
    return ImmutableSandboxedEnvironment(undefined=ChainableUndefined, autoescape=False, keep_trailing_newline=False)


@dataclass(frozen=True)
class IncidentContext:
    """What a template may use, as plain values: `incident.*` and `alerts`."""

    incident: Mapping[str, Any]
    alerts: Sequence[Mapping[str, Any]]

    def variables(self) -> dict[str, Any]:
        """The template variables."""
        return {"incident": dict(self.incident), "alerts": [dict(alert) for alert in self.alerts]}


def incident_context(incident: Mapping[str, Any], alerts: Sequence[Mapping[str, Any]]) -> IncidentContext:
    """Build the context from the incident's fields and its attached alerts (dicts as `incidents.queries` returns).

    `incident.labels` merges the alerts' labels, the root component's alert winning, so a template
    can say `{{ incident.labels.rack }}` without knowing which alert carried it.
    """
    root = incident.get("root_component")
    labels: dict[str, str] = {}
    for alert in sorted(alerts, key=lambda a: a.get("component") == root):
        labels.update({str(k): str(v) for k, v in (alert.get("labels") or {}).items()})
    keep = (
        "id", "title", "site", "severity", "status", "priority", "major", "category", "root_component",
        "root_name", "scope", "services", "opened_at", "alert_count", "drill",
    )
    fields = {key: incident.get(key) for key in keep}
    fields["labels"] = labels
    shown = [
        {key: alert.get(key) for key in ("name", "resource", "severity", "status", "labels", "annotations")}
        for alert in alerts
    ]
    return IncidentContext(incident=fields, alerts=shown)


def render(template: str, context: IncidentContext) -> str:
    """Render one template.

    Raises:
        RenderError: the template does not compile, touches something the sandbox forbids, or is too long.
    """
    try:
        output = sandbox().from_string(template).render(context.variables())
    except TemplateError as exc:  # SecurityError is a TemplateError
        raise RenderError(f"{type(exc).__name__}: {exc}") from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:  # e.g. "{{ 1 / 0 }}" or a bad filter argument
        raise RenderError(f"{type(exc).__name__}: {exc}") from None
    if len(output) > MAX_OUTPUT_CHARS:
        raise RenderError(f"rendered text is {len(output)} characters, more than {MAX_OUTPUT_CHARS}")
    return output
