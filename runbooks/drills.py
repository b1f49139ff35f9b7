"""Pure: a drill's report — time per step against the runbook's expectation, and time to acknowledge.

A drill runs a runbook against a synthetic incident (`Incident.drill`), paging only its
participants. What the room learns from it is where the night would have been slow: which
steps took longer than the runbook says, and how long the page took to be acknowledged.
A step's time runs from when it became current to when it was signed off (for a dangerous
step: confirmed by the second operator).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Sequence

from runbooks.execution import ExecutionState, Phase, StepStatus
from runbooks.model import Runbook
from runbooks.panel_text import duration
from streams.clock import format_instant


@dataclass(frozen=True)
class StepTiming:
    """One step's time in the drill."""

    step_id: str
    title_zh: str
    title_en: str
    status: str
    expected_s: float
    actual_s: float | None  # None: the step was never finished
    over_s: float | None  # how much longer than expected (negative: faster)
    by: str | None
    confirmed_by: str | None


@dataclass(frozen=True)
class DrillReport:
    """What a drill showed."""

    execution_id: int
    runbook_id: str
    status: str
    participants: tuple[str, ...]
    opened_at: str
    acknowledged_at: str | None
    acknowledged_by: str | None
    time_to_acknowledge_s: float | None
    total_expected_s: float
    total_actual_s: float
    steps: tuple[StepTiming, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the API."""
        return asdict(self)


def drill_report(
    *, execution_id: int, runbook: Runbook, state: ExecutionState, participants: Sequence[str], opened_at: datetime,
    acknowledged_at: datetime | None, acknowledged_by: str | None,
) -> DrillReport:
    """Build the report of a drill from its execution state (finished or not)."""
    timings = []
    for step in state.steps:
        if step.phase is not Phase.MAIN and step.since is None:
            continue  # rollback steps appear only when the drill rolled back
        expected = runbook.step(step.step_id).expected_minutes * 60
        end = step.confirmed_at or step.at
        finished = step.status in (StepStatus.DONE, StepStatus.SKIPPED, StepStatus.FAILED)
        actual = (end - step.since).total_seconds() if finished and end and step.since else None
        title = runbook.step(step.step_id).title
        timings.append(StepTiming(
            step_id=step.step_id, title_zh=title.zh, title_en=title.en, status=str(step.status), expected_s=expected,
            actual_s=actual, over_s=actual - expected if actual is not None else None, by=step.by,
            confirmed_by=step.confirmed_by,
        ))
    to_ack = (acknowledged_at - opened_at).total_seconds() if acknowledged_at is not None else None
    return DrillReport(
        execution_id=execution_id,
        runbook_id=runbook.id,
        status=str(state.status),
        participants=tuple(participants),
        opened_at=format_instant(opened_at),
        acknowledged_at=format_instant(acknowledged_at) if acknowledged_at else None,
        acknowledged_by=acknowledged_by,
        time_to_acknowledge_s=to_ack,
        total_expected_s=sum(t.expected_s for t in timings),
        total_actual_s=sum(t.actual_s or 0.0 for t in timings),
        steps=tuple(timings),
    )


def format_report(report: DrillReport, language: str = "en") -> str:
    """The report as text for the CLI, in English or Chinese."""
    zh = not language.lower().startswith("en")
    head = (
        f"演练报告 执行 #{report.execution_id} 预案 {report.runbook_id}（{report.status}）" if zh
        else f"Drill report, execution #{report.execution_id}, runbook {report.runbook_id} ({report.status})"
    )
    ack = duration(report.time_to_acknowledge_s)
    lines = [
        head,
        ("参与人：" if zh else "participants: ") + (", ".join(report.participants) or "—"),
        ("确认用时：" if zh else "time to acknowledge: ") + ack + (f" ({report.acknowledged_by})" if report.acknowledged_by else ""),
        f"{'步骤' if zh else 'step':<28} {'状态' if zh else 'status':<22} {'预期' if zh else 'expected':>9} {'实际' if zh else 'actual':>9} {'超出' if zh else 'over':>9}",
    ]
    for step in report.steps:
        title = step.title_zh if zh else step.title_en
        lines.append(
            f"{title[:28]:<28} {step.status:<22} {duration(step.expected_s):>9} {duration(step.actual_s):>9}"
            f" {duration(step.over_s):>9}"
        )
    lines.append(
        ("合计" if zh else "total") + f": {duration(report.total_expected_s)} / {duration(report.total_actual_s)}"
    )
    return "\n".join(lines)
