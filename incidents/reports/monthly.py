"""Pure: the monthly service report's content — the numbers, charts, major incidents and handovers of one month.

`monthly_view` returns plain values (strings and numbers, charts as SVG text) in the reader's
language, so the template only lays them out; every number comes from `summary` and `series`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Sequence

from incidents.reports import i18n
from incidents.reports.chart import Bar, bar_chart
from incidents.reports.period import Bucket, Period
from incidents.reports.records import AlertSample, IncidentRecord
from incidents.reports.series import incident_counts, noise
from incidents.reports.stats import Timing
from incidents.reports.summary import Compliance, GroupBy, summarize
from streams.clock import parse_instant

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")


@dataclass(frozen=True)
class MonthInput:
    """Everything one month's report is made of."""

    month: str
    site: str | None
    period: Period
    records: Sequence[IncidentRecord]
    alerts: Sequence[AlertSample]
    handovers: Sequence[Mapping[str, Any]]
    now: datetime


def monthly_view(data: MonthInput, lang: str) -> dict[str, Any]:
    """The report's content in `lang` (zh-CN or en), ready for the template."""
    words = i18n.TEXTS[lang]
    tz = data.period.zone
    by_priority = summarize(data.records, GroupBy.PRIORITY, data.now)
    by_line = summarize(data.records, GroupBy.LINE, data.now)
    total = by_priority.total
    points = noise(data.records, data.alerts, data.period, Bucket.DAY)
    alerts, incidents = sum(p.alerts for p in points), sum(p.incidents for p in points)
    per_day = [
        Bar(day.strftime("%d") if day.day == 1 or day.day % 5 == 0 else "", count)
        for day, count in incident_counts(data.records, data.period, Bucket.DAY)
    ]
    per_priority = {group.key: group.count for group in by_priority.groups}
    return {
        "lang": lang,
        "other_lang": "en" if lang == "zh-CN" else "zh-CN",
        "t": words,
        "month": data.month,
        "site": data.site or words["all_sites"],
        "period": f"{i18n.local_time(data.period.start, tz)} – {i18n.local_time(data.period.end, tz)} ({tz.key})",
        "generated": i18n.local_time(data.now, tz),
        "figures": [
            (words["incidents"], str(total.count)),
            (words["major_incidents"], str(sum(1 for r in data.records if r.major))),
            (words["mtta"], _timing(total.mtta, words)),
            (words["mttr"], _timing(total.mttr, words)),
            (words["first_line_rate"], i18n.percent(total.first_line_rate)),
            (words["sla_response"], _compliance(total.response, words)),
            (words["sla_resolution"], _compliance(total.resolution, words)),
            (words["alerts"], f"{alerts} ({words['suppressed']} {sum(p.suppressed for p in points)})"),
            (words["pages"], str(sum(p.pages for p in points))),
            (words["noise_reduction"], i18n.percent(1 - incidents / alerts if alerts else None)),
        ],
        "chart_per_day": bar_chart(per_day, title=words["per_day"]),
        "chart_per_priority": bar_chart(
            [Bar(p, per_priority.get(p, 0)) for p in PRIORITIES], title=words["per_priority"], colour="#a53b3b"
        ),
        "by_priority": [_row(g.key, g, words) for g in by_priority.groups],
        "by_line": [_row(words["line_n"].format(n=g.key), g, words) for g in by_line.groups],
        "major": [
            {
                "id": r.id, "title": r.title, "priority": r.priority, "status": r.status,
                "opened": i18n.local_time(r.opened_at, tz), "resolved": i18n.local_time(r.resolved_at, tz),
                "duration": i18n.duration(r.time_to_resolve_s),
            }
            for r in data.records if r.major
        ],
        "handovers": [_handover(h, words, data) for h in data.handovers],
    }


def _timing(timing: Timing, words: Mapping[str, str]) -> str:
    """"mean 4m 00s · median 4m 00s · p90 6m 00s"."""
    return " · ".join(
        f"{words[name]} {i18n.duration(value)}"
        for name, value in (("mean", timing.mean_s), ("median", timing.median_s), ("p90", timing.p90_s))
    )


def _compliance(compliance: Compliance, words: Mapping[str, str]) -> str:
    """"66.7% (2 of 3 met)"."""
    met_of = words["met_of"].format(met=compliance.met, total=compliance.met + compliance.breached)
    return f"{i18n.percent(compliance.rate)} ({met_of})"


def _row(label: str, group, words: Mapping[str, str]) -> dict[str, str]:
    """One line of a per-group table."""
    return {
        "label": label,
        "count": str(group.count),
        "resolved": str(group.resolved),
        "mtta": i18n.duration(group.mtta.mean_s),
        "mttr": i18n.duration(group.mttr.mean_s),
        "first_line": i18n.percent(group.first_line_rate),
        "sla_response": i18n.percent(group.response.rate),
        "sla_resolution": i18n.percent(group.resolution.rate),
    }


def _handover(item: Mapping[str, Any], words: Mapping[str, str], data: MonthInput) -> dict[str, str]:
    """One handover line (the API's dict of it, times turned local)."""
    tz = data.period.zone
    acknowledged = item.get("acknowledged_at")
    return {
        "id": str(item["id"]),
        "shift": item["shift_label"],
        "people": f"{item['outgoing']} → {item['incoming']}",
        "written": i18n.local_time(parse_instant(item["written_at"]), tz),
        "acknowledged": (
            f"{item['acknowledged_by']} {i18n.local_time(parse_instant(acknowledged), tz)}"
            if acknowledged else words["not_acknowledged"]
        ),
        "open_incidents": str(len(item.get("snapshot", {}).get("incidents", []))),
        "notes": item.get("notes", ""),
    }
