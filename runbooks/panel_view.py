"""I/O: what the runbook panel shows of one execution, built from its loaded rows (this reads no database itself).

Step text is rendered in the runbook sandbox; a template that does not render shows its error
in place of the text, so the operator still sees the step's title and can skip it. An automated
step shows the command it would run (the dry run) before anyone approves it.
"""
from __future__ import annotations

from typing import Any

from runbooks import queries
from runbooks.automation import plan_action
from runbooks.execution import ExecutionStatus
from runbooks.model import Runbook, StepKind
from runbooks.models import RunbookExecution
from runbooks.panel_text import translate
from runbooks.render import IncidentContext, RenderError, render

#: Where rolling back is offered (a runbook with rollback steps only).
ROLLBACK_FROM = (ExecutionStatus.RUNNING, ExecutionStatus.ABORTED, ExecutionStatus.COMPLETED)


def execution_view(
    row: RunbookExecution, runbook: Runbook, context: IncidentContext, language: str, allowed_commands: frozenset[str]
) -> dict[str, Any]:
    """What the panel shows of one execution."""
    current = queries.current_step(row)
    view: dict[str, Any] = {
        "id": row.id, "title": runbook.title.get(language), "status": row.status, "drill": row.drill,
        "steps": [
            {"title": step.title["en" if language == "en" else "zh-CN"],
             "status": step.status, "by": step.by, "confirmed_by": step.confirmed_by, "phase": step.phase,
             "current": current is not None and step.id == current.id}
            for step in row.steps if step.phase == "main" or step.since is not None
        ],
        "can_rollback": bool(runbook.rollback) and ExecutionStatus(row.status) in ROLLBACK_FROM,
        "current": None,
    }
    if current is None:
        return view
    step = runbook.step(current.step_id)
    phase_steps = [s for s in row.steps if s.phase == current.phase]
    plan = None
    if step.action is not None:
        try:
            plan = plan_action(step.action, context, allowed_commands)
        except RenderError as exc:  # shown as a refusal: an action whose arguments do not render cannot run
            view["plan_error"] = str(exc)
    view["current"] = {
        "step_id": step.id, "n": phase_steps.index(current) + 1, "total": len(phase_steps),
        "title": step.title.get(language), "kind": str(step.kind), "text": _rendered(step.text.get(language), context, language),
        "expect": step.expect.get(language) if step.expect else None, "dangerous": step.dangerous,
        "status": current.status, "by": current.by, "minutes": f"{step.expected_minutes:g}",
        "due": f"{current.due_at:%H:%M} UTC" if current.due_at else "", "overdue": current.overdue_at is not None,
        "options": [(option.id, option.label.get(language)) for option in step.options],
        "plan": plan, "is_decision": step.kind is StepKind.DECISION, "is_action": step.kind is StepKind.ACTION,
    }
    return view


def _rendered(template: str, context: IncidentContext, language: str) -> str:
    """The step's text for this incident, or the render error in its place."""
    try:
        return render(template, context)
    except RenderError as exc:  # shown in place of the step: the operator still sees the title and can skip it
        return translate(language, "error", why=str(exc))
