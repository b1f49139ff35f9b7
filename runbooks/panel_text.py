"""Pure: every word of the runbook panel and drill pages in zh-CN and en, and which language a request gets.

The language is the user's own setting, then the `lang` cookie of the desk's switcher, then the
browser's Accept-Language (zh-CN when it asks for neither): the same order as the desk's pages.
"""
from __future__ import annotations

from typing import Callable, Mapping

LANGUAGES = ("zh-CN", "en")

MESSAGES: Mapping[str, tuple[str, str]] = {
    "panel.none": ("没有匹配此事件的预案。", "No runbook matches this incident."),
    "panel.matching": ("可用的预案", "Runbooks that match"),
    "panel.start": ("启动", "Start"),
    "panel.drill": ("演练", "Drill"),
    "panel.current": ("当前步骤", "Current step"),
    "panel.step_of": ("第 {n} / {total} 步", "Step {n} of {total}"),
    "panel.expected": ("预计 {minutes} 分钟，{due} 到期", "expected {minutes} min, due {due}"),
    "panel.overdue": ("已超时", "overdue"),
    "panel.expect": ("预期结果", "Expected result"),
    "panel.awaiting": ("已由 {by} 签署，等待另一名操作员确认", "Signed off by {by}; waiting for a second operator"),
    "panel.dangerous": ("危险步骤：需第二名操作员确认", "Dangerous step: needs a second operator"),
    "panel.action": ("自动操作（批准后执行）", "Automated action (runs once approved)"),
    "panel.refused": ("不能执行：{why}", "Cannot run: {why}"),
    "panel.note": ("备注", "Note"),
    "panel.reason": ("原因", "Reason"),
    "panel.begin": ("开始", "Begin"),
    "panel.complete": ("完成", "Complete"),
    "panel.skip": ("跳过", "Skip"),
    "panel.fail": ("失败", "Fail"),
    "panel.confirm": ("确认", "Confirm"),
    "panel.approve": ("批准执行", "Approve action"),
    "panel.accept": ("接受", "Accept"),
    "panel.decline": ("拒绝", "Decline"),
    "panel.abort": ("中止", "Abort"),
    "panel.rollback": ("回退", "Roll back"),
    "panel.offered": ("建议执行此预案", "This runbook is offered"),
    "panel.steps": ("全部步骤", "All steps"),
    "panel.report": ("演练报告", "Drill report"),
    "panel.read_only": ("只读：需要操作员角色才能签署步骤。", "Read only: signing steps needs the operator role."),
    "status.offered": ("待接受", "offered"),
    "status.running": ("执行中", "running"),
    "status.completed": ("已完成", "completed"),
    "status.aborted": ("已中止", "aborted"),
    "status.rolling_back": ("回退中", "rolling back"),
    "status.rolled_back": ("已回退", "rolled back"),
    "status.declined": ("已拒绝", "declined"),
    "status.pending": ("待处理", "pending"),
    "status.in_progress": ("进行中", "in progress"),
    "status.awaiting_confirmation": ("待确认", "awaiting confirmation"),
    "status.done": ("完成", "done"),
    "status.skipped": ("已跳过", "skipped"),
    "status.failed": ("失败", "failed"),
    "drill.title": ("预案演练：{title}", "Runbook drill: {title}"),
    "drill.intro": (
        "演练会创建一个标记为演练的模拟事件，只呼叫下列参与人，所有消息标注【演练】；自动操作只做演示，不会真正执行。",
        "A drill opens a synthetic incident marked as a drill, pages only the participants below with every"
        " message marked [DRILL]; automated actions are dry runs and never execute.",
    ),
    "drill.participants": ("参与人（人员 ID，逗号分隔）", "Participants (person ids, comma separated)"),
    "drill.start": ("开始演练", "Start the drill"),
    "drill.open_incident": ("打开演练事件并执行步骤", "Open the drill incident and work through the steps"),
    "report.title": ("演练报告 #{id}：{runbook}", "Drill report #{id}: {runbook}"),
    "report.ack": ("确认用时", "Time to acknowledge"),
    "report.not_acked": ("尚未确认", "not acknowledged yet"),
    "report.step": ("步骤", "Step"),
    "report.status": ("状态", "Status"),
    "report.expected": ("预期", "Expected"),
    "report.actual": ("实际", "Actual"),
    "report.over": ("超出", "Over"),
    "report.by": ("签署人", "Signed by"),
    "report.total": ("合计", "Total"),
    "error": ("未执行：{why}", "Not done: {why}"),
}


def translate(language: str, key: str, **params: object) -> str:
    """The message `key` in `language` with `params` filled in.

    Raises:
        KeyError: no such message (a template typo shows up in the tests, not as a blank on the page).
    """
    zh, en = MESSAGES[key]
    return (en if language == "en" else zh).format(**params)


def translator(language: str) -> Callable[..., str]:
    """`t(key, **params)` for templates."""
    return lambda key, **params: translate(language, key, **params)


def choose_language(*, user: str | None, cookie: str | None, accept_language: str, pick: Callable[[str], str]) -> str:
    """The user's setting, else the `lang` cookie, else `pick(Accept-Language)`; unknown values fall through."""
    for wanted in (user, cookie):
        if wanted in LANGUAGES:
            return wanted
    return pick(accept_language)


def duration(seconds: float | None) -> str:
    """"12m05s" (or "—" when unknown), negative for ahead of time."""
    if seconds is None:
        return "—"
    sign = "-" if seconds < 0 else ""
    minutes, secs = divmod(int(abs(seconds)), 60)
    return f"{sign}{minutes}m{secs:02d}s"
