"""Pure: the service desk's message catalogue (zh-CN and en) and which language a request gets.

Every word a person reads on a desk page comes from `MESSAGES`; templates hold keys, never text,
so a page can never be half translated: an unknown key raises instead of showing the key. The
language is the user's own setting first, then the `lang` cookie the switcher sets, then the
browser's Accept-Language, then zh-CN (the desk's home language).
"""
from __future__ import annotations

from typing import Callable, Mapping

ZH = "zh-CN"
EN = "en"
LANGUAGES = (ZH, EN)
DEFAULT_LANGUAGE = ZH
LANG_COOKIE = "lang"

Translate = Callable[..., str]

#: key → (zh-CN, en). `{name}` placeholders are filled by `translate(..., name=value)`.
MESSAGES: Mapping[str, tuple[str, str]] = {
    "app.name": ("alertdesk 服务台", "alertdesk service desk"),
    "nav.board": ("事件看板", "Board"),
    "nav.reports": ("报表", "Reports"),
    "nav.new_incident": ("报告事件", "Report an incident"),
    "new.heading": ("报告事件（用户来电）", "Report an incident (a call to the desk)"),
    "new.help": ("优先级 = 影响 × 紧急度；P1 立即宣布为重大事件并通知相关角色。",
                 "Priority = impact x urgency; a P1 is declared major at once and its roles are paged."),
    "new.title": ("标题", "Title"),
    "new.category": ("类别", "Category"),
    "new.impact": ("影响", "Impact"),
    "new.urgency": ("紧急度", "Urgency"),
    "new.site": ("站点", "Site"),
    "new.services": ("受影响的业务（逗号分隔）", "Business services affected (comma-separated)"),
    "new.description": ("报告人所述", "What the reporter said"),
    "new.request_id": ("请求编号", "request id"),
    "new.submit": ("创建事件", "Open the incident"),
    "level.high": ("高", "high"),
    "level.medium": ("中", "medium"),
    "level.low": ("低", "low"),
    "nav.logout": ("退出登录", "Log out"),
    "nav.language": ("语言", "Language"),
    "nav.signed_in": ("{name}（{role}）", "{name} ({role})"),
    "lang.zh-CN": ("中文", "中文"),
    "lang.en": ("English", "English"),
    "role.viewer": ("只读", "viewer"),
    "role.operator": ("操作员", "operator"),
    "role.admin": ("管理员", "admin"),
    "board.title": ("事件看板", "Incident board"),
    "board.filter.status": ("状态", "Status"),
    "board.filter.priority": ("优先级", "Priority"),
    "board.filter.site": ("站点", "Site"),
    "board.filter.assignee": ("处理人", "Assignee"),
    "board.filter.major": ("仅重大事件", "Major only"),
    "board.filter.search": ("搜索", "Search"),
    "board.filter.search_hint": ("标题、设备、服务、处理人…", "title, device, service, assignee…"),
    "board.filter.apply": ("筛选", "Filter"),
    "board.filter.reset": ("清除", "Clear"),
    "board.filter.any": ("全部", "any"),
    "board.filter.open": ("未结（已触发、已确认）", "open (triggered, acknowledged)"),
    "board.col.id": ("编号", "ID"),
    "board.col.priority": ("优先级", "Priority"),
    "board.col.title": ("事件", "Incident"),
    "board.col.status": ("状态", "Status"),
    "board.col.site": ("站点", "Site"),
    "board.col.assignee": ("处理人", "Assignee"),
    "board.col.sla": ("SLA 剩余", "SLA time left"),
    "board.col.opened": ("发生时间", "Opened"),
    "board.empty": ("没有符合条件的事件。", "No incidents match."),
    "board.count": ("共 {shown} 个事件", "{shown} incidents"),
    "board.truncated": ("（每种状态只列出最新的 {limit} 个）", "(only the newest {limit} of each status)"),
    "board.updated": ("更新于 {time}，每 5 秒刷新", "updated {time}, refreshed every 5 s"),
    "banner.major": ("重大事件进行中：{count} 个", "Major incidents open: {count}"),
    "major.badge": ("重大", "MAJOR"),
    "drill.badge": ("演练", "DRILL"),
    "unassigned": ("未分配", "unassigned"),
    "status.triggered": ("已触发", "triggered"),
    "status.acknowledged": ("已确认", "acknowledged"),
    "status.resolved": ("已解决", "resolved"),
    "status.closed": ("已关闭", "closed"),
    "sla.response": ("响应", "response"),
    "sla.resolution": ("解决", "resolution"),
    "sla.none": ("无 SLA", "no SLA"),
    "sla.left": ("剩余 {span}", "{span} left"),
    "sla.overdue": ("已超时 {span}", "overdue by {span}"),
    "sla.met": ("已按时完成（{time}）", "met ({time})"),
    "sla.met_late": ("超时完成（{time}）", "met late ({time})"),
    "sla.due": ("期限 {time}", "due {time}"),
    "span.days": ("{days}天{hours}小时", "{days}d {hours}h"),
    "span.hours": ("{hours}小时{minutes}分", "{hours}h {minutes:02d}m"),
    "span.minutes": ("{minutes}分", "{minutes}m"),
    "span.under_minute": ("不到 1 分", "<1m"),
    "incident.title": ("事件 #{id}", "Incident #{id}"),
    "incident.status": ("状态", "Status"),
    "incident.priority": ("优先级", "Priority"),
    "incident.impact_urgency": ("影响 / 紧急度", "Impact / urgency"),
    "incident.severity": ("严重级别", "Severity"),
    "incident.site": ("站点", "Site"),
    "incident.assignee": ("处理人", "Assignee"),
    "incident.acknowledged_by": ("确认人", "Acknowledged by"),
    "incident.opened": ("发生时间", "Opened"),
    "incident.resolved": ("解决时间", "Resolved"),
    "incident.sla": ("SLA 期限", "SLA deadlines"),
    "incident.major": ("重大事件", "Major incident"),
    "incident.root": ("根因", "Root cause"),
    "incident.root_unknown": ("尚未确定", "not known yet"),
    "incident.root_inferred": ("（由拓扑推断）", "(inferred from topology)"),
    "incident.category": ("类别", "Category"),
    "incident.services": ("受影响的业务", "Affected services"),
    "incident.affected": ("受影响的设备数", "Affected components"),
    "incident.none": ("无", "none"),
    "incident.alerts": ("关联告警", "Attached alerts"),
    "incident.timeline": ("时间线", "Timeline"),
    "incident.pages": ("通知记录（已发送与未发送）", "Pages (sent and not sent)"),
    "incident.runbook": ("处置预案", "Runbook"),
    "incident.back": ("返回看板", "Back to the board"),
    "alert.col.name": ("告警", "Alert"),
    "alert.col.resource": ("对象", "Resource"),
    "alert.col.source": ("来源", "Source"),
    "alert.col.status": ("状态", "Status"),
    "alert.col.severity": ("级别", "Severity"),
    "alert.col.starts": ("开始", "Started"),
    "alert.col.last": ("最近收到", "Last received"),
    "alert.none": ("没有关联告警（人工报告的事件）。", "No alerts attached (reported by a person)."),
    "timeline.col.when": ("时间", "When"),
    "timeline.col.what": ("事件", "What"),
    "timeline.col.who": ("操作人", "Who"),
    "timeline.col.via": ("途径", "Via"),
    "timeline.col.detail": ("说明", "Detail"),
    "pages.col.when": ("时间", "When"),
    "pages.col.level": ("升级级别", "Level"),
    "pages.col.recipient": ("接收人", "Recipient"),
    "pages.col.channel": ("渠道", "Channel"),
    "pages.col.status": ("状态", "Status"),
    "pages.col.reason": ("原因 / 错误", "Reason / error"),
    "pages.none": ("尚未发出通知。", "No pages yet."),
    "page.status.pending": ("待发送", "waiting"),
    "page.status.sending": ("发送中", "sending"),
    "page.status.sent": ("已发送", "sent"),
    "page.status.failed": ("发送失败", "failed"),
    "page.status.not_sent": ("未发送", "not sent"),
    "page.status.cancelled": ("已取消", "cancelled"),
    "runbook.loading": ("正在加载处置预案…", "Loading the runbook…"),
    "actions.title": ("处理", "Actions"),
    "actions.view_only": ("只读账号可以查看，不能处理事件。", "Your role is viewer: you can look but not act."),
    "actions.closed": ("事件已关闭，不能再更改。", "The incident is closed and cannot be changed."),
    "action.acknowledge": ("确认", "Acknowledge"),
    "action.resolve": ("解决", "Resolve"),
    "action.close": ("关闭", "Close"),
    "action.reopen": ("重新打开", "Reopen"),
    "action.assign": ("分派", "Assign"),
    "action.note": ("添加备注", "Add note"),
    "action.escalate": ("立即升级", "Escalate now"),
    "action.link": ("关联事件", "Link incident"),
    "form.note": ("备注（可选）", "Note (optional)"),
    "form.assignee": ("人员或支持组（如 line2）", "person or group (e.g. line2)"),
    "form.text": ("备注内容", "Note text"),
    "error.refused": ("操作被拒绝", "Refused"),
    "error.unavailable": ("暂时无法完成，请稍后重试", "Not done now, retry shortly"),
    "error.not_found": ("没有编号为 {id} 的事件。", "There is no incident {id}."),
    "error.bad_filter": ("筛选条件有误", "Bad filter"),
    "error.unknown_action": ("没有“{action}”这个操作。", "There is no action {action!r}."),
    "error.required": ("请填写：{field}", "{field}: required"),
    "error.not_offered": ("{field} 不能是“{value}”", "{field} cannot be {value!r}"),
    "error.too_long": ("{field} 太长：{length} 个字符，最多 {limit} 个", "{field} is {length} characters; at most {limit}"),
    "via.ui": ("网页", "web"),
    "via.api": ("API", "API"),
    "via.cli": ("命令行", "CLI"),
    "via.sms": ("短信", "SMS"),
    "via.phone": ("电话", "phone"),
    "via.system": ("系统", "system"),
    "kind.opened": ("事件产生", "opened"),
    "kind.alert_attached": ("告警并入", "alert attached"),
    "kind.alert_resolved": ("告警恢复", "alert resolved"),
    "kind.resolved": ("已解决", "resolved"),
    "kind.reopened": ("重新打开", "reopened"),
    "kind.root_changed": ("根因变更", "root cause changed"),
    "kind.priority_changed": ("优先级变更", "priority changed"),
    "kind.major_declared": ("宣布为重大事件", "declared major"),
    "kind.acknowledged": ("已确认", "acknowledged"),
    "kind.assigned": ("已分派", "assigned"),
    "kind.note_added": ("备注", "note"),
    "kind.closed": ("已关闭", "closed"),
    "kind.linked": ("关联事件", "linked"),
    "kind.escalated": ("人工升级", "escalated"),
    "kind.merged": ("合并", "merged"),
    "kind.sla_warning": ("SLA 即将超时", "SLA warning"),
    "kind.sla_breached": ("SLA 已超时", "SLA breached"),
    "kind.handover": ("交接班", "handover"),
    "kind.runbook_started": ("预案启动", "runbook started"),
    "kind.runbook_step": ("预案步骤", "runbook step"),
    "kind.runbook_step_overdue": ("预案步骤超时", "runbook step overdue"),
    "kind.runbook_finished": ("预案结束", "runbook finished"),
}


def translate(language: str, key: str, **params: object) -> str:
    """The message `key` in `language`, with `params` filled in.

    Raises:
        KeyError: if the key is not in the catalogue (a template bug, caught by the tests, never shown raw).
        ValueError: if the language is not one of LANGUAGES.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    try:
        texts = MESSAGES[key]
    except KeyError:
        raise KeyError(f"message {key!r} is not in the desk catalogue (desk/i18n.py)") from None
    return texts[LANGUAGES.index(language)].format(**params)


def translator(language: str) -> Translate:
    """`translate` bound to one language: what templates call as `t('key', name=value)`."""
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")

    def t(key: str, **params: object) -> str:
        return translate(language, key, **params)

    return t


def label(language: str, prefix: str, value: str) -> str:
    """The message for a value from the data (`kind.acknowledged`), or the value itself when the catalogue has none.

    For open sets that grow elsewhere (timeline kinds, channels): a new kind shows up as its id,
    never as a broken page.
    """
    key = f"{prefix}.{value}"
    return translate(language, key) if key in MESSAGES else value


def choose_language(*, user: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The language of a page: the user's setting, else the switcher's cookie, else the browser's, else zh-CN.

    An unknown value at one level (an old cookie, a language we do not have) falls through to the next.
    """
    for wanted in (user, cookie):
        found = supported(wanted)
        if found is not None:
            return found
    for wanted in browser_languages(accept_language or ""):
        found = supported(wanted)
        if found is not None:
            return found
    return DEFAULT_LANGUAGE


def supported(tag: str | None) -> str | None:
    """The catalogue language serving a language tag (`zh`, `zh-TW`, `en-GB` …), or None.

    Any Chinese gets zh-CN: a reader of traditional characters reads simplified better than English.
    """
    if not tag:
        return None
    primary = tag.strip().lower().split("-")[0]
    return {"zh": ZH, "en": EN}.get(primary)


def browser_languages(header: str) -> list[str]:
    """The tags of an Accept-Language header, most wanted first (q=0 and malformed entries dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, rest = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        weight = 1.0
        name, _, value = rest.strip().partition("=")
        if name.strip() == "q":
            try:
                weight = float(value)
            except ValueError:
                continue
        if weight > 0:
            ranked.append((-weight, position, tag))
    return [tag for _, _, tag in sorted(ranked)]
