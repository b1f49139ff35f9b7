"""Pure: the words of the report pages in Chinese (zh-CN) and English, and how numbers and times are written.

Every string a reader sees comes from `TEXTS`, so both languages always carry the same content.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"
MISSING = "—"

TEXTS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "index_title": "服务报告",
        "index_intro": "每月服务报告（可打印）。CSV 导出与汇总见 API："
                       "/api/reports/incidents.csv、/api/reports/summary。",
        "no_months": "暂无事件，尚无报告。",
        "monthly_title": "月度服务报告",
        "period": "统计周期",
        "site": "站点",
        "all_sites": "全部站点",
        "generated": "生成时间",
        "key_figures": "关键指标",
        "incidents": "事件数",
        "major_incidents": "重大事件",
        "mtta": "平均响应时间 (MTTA)",
        "mttr": "平均解决时间 (MTTR)",
        "mean": "平均",
        "median": "中位数",
        "p90": "P90",
        "first_line_rate": "一线解决率",
        "sla_response": "响应 SLA 达成率",
        "sla_resolution": "解决 SLA 达成率",
        "met_of": "{met} / {total} 达成",
        "alerts": "告警数",
        "suppressed": "其中被屏蔽",
        "pages": "呼叫次数",
        "noise_reduction": "降噪率",
        "per_day": "每日事件数",
        "per_priority": "各优先级事件数",
        "by_priority": "按优先级",
        "by_line": "按支持线",
        "line_n": "{n} 线",
        "priority": "优先级",
        "count": "数量",
        "resolved": "已解决",
        "id": "编号",
        "title": "标题",
        "status": "状态",
        "opened": "发生时间",
        "resolved_at": "解决时间",
        "duration": "持续时间",
        "none_major": "本月无重大事件。",
        "handovers": "交接班记录",
        "shift": "班次",
        "handover_from_to": "交班人 → 接班人",
        "written_at": "交班时间",
        "acknowledged": "接班确认",
        "open_incidents": "未关闭事件",
        "not_acknowledged": "未确认",
        "none_handovers": "本月无交接班记录。",
        "language": "English",
        "print": "打印",
    },
    "en": {
        "index_title": "Service reports",
        "index_intro": "Printable monthly service reports. CSV export and the summary are in the API:"
                       " /api/reports/incidents.csv, /api/reports/summary.",
        "no_months": "No incidents yet, so no reports.",
        "monthly_title": "Monthly service report",
        "period": "Period",
        "site": "Site",
        "all_sites": "all sites",
        "generated": "Generated",
        "key_figures": "Key figures",
        "incidents": "Incidents",
        "major_incidents": "Major incidents",
        "mtta": "Mean time to acknowledge (MTTA)",
        "mttr": "Mean time to resolve (MTTR)",
        "mean": "mean",
        "median": "median",
        "p90": "p90",
        "first_line_rate": "First-line resolution rate",
        "sla_response": "Response SLA compliance",
        "sla_resolution": "Resolution SLA compliance",
        "met_of": "{met} of {total} met",
        "alerts": "Alerts received",
        "suppressed": "of which suppressed",
        "pages": "Pages sent",
        "noise_reduction": "Noise reduction",
        "per_day": "Incidents per day",
        "per_priority": "Incidents per priority",
        "by_priority": "By priority",
        "by_line": "By support line",
        "line_n": "line {n}",
        "priority": "Priority",
        "count": "Count",
        "resolved": "Resolved",
        "id": "ID",
        "title": "Title",
        "status": "Status",
        "opened": "Opened",
        "resolved_at": "Resolved",
        "duration": "Duration",
        "none_major": "No major incidents this month.",
        "handovers": "Shift handovers",
        "shift": "Shift",
        "handover_from_to": "Outgoing → incoming",
        "written_at": "Written",
        "acknowledged": "Acknowledged",
        "open_incidents": "Open incidents",
        "not_acknowledged": "not acknowledged",
        "none_handovers": "No shift handovers this month.",
        "language": "中文",
        "print": "Print",
    },
}


class LanguageError(ValueError):
    """A report language that is not supported."""


def language(requested: str | None) -> str:
    """The language to render: `requested` when it is zh-CN or en (case-insensitive), else the default.

    Raises:
        LanguageError: for a language that is named but not supported (a typo must not silently switch languages).
    """
    if requested is None or not requested.strip():
        return DEFAULT_LANGUAGE
    for known in LANGUAGES:
        if requested.strip().lower() == known.lower():
            return known
    raise LanguageError(f"lang {requested!r}: use one of {', '.join(LANGUAGES)}")


def preferred(accept_language: str | None) -> str | None:
    """The first supported language of an Accept-Language header ("en-US,en;q=0.9" → en), None when none is."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return None


def duration(seconds: float | None) -> str:
    """"2d 3h", "1h 05m", "4m 10s" or "40s"; "—" for None."""
    if seconds is None:
        return MISSING
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def percent(rate: float | None) -> str:
    """"87.5%", or "—" when there is nothing to divide."""
    return MISSING if rate is None else f"{rate * 100:.1f}%"


def local_time(instant: datetime | None, tz: ZoneInfo) -> str:
    """"2026-11-03 10:00" in the report's zone; "—" for None."""
    return MISSING if instant is None else instant.astimezone(tz).strftime("%Y-%m-%d %H:%M")
