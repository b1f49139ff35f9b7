"""Pure: the CSV export — one row per incident with its timings, support line and SLA outcomes.

Times are RFC 3339 UTC; durations in whole seconds. Text cells that a spreadsheet would run as
a formula (starting with = + - @, a tab or a carriage return) get a leading apostrophe: an
alert's title comes from outside and must not execute in the manager's Excel.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Sequence

from incidents.reports.records import IncidentRecord
from incidents.reports.summary import resolution_outcome, resolved_by_first_line, response_outcome
from streams.clock import format_instant

COLUMNS = (
    "id", "title", "priority", "category", "services", "site", "status", "major",
    "opened_at", "acknowledged_at", "acknowledged_by", "resolved_at", "closed_at", "assignee",
    "time_to_acknowledge_s", "time_to_resolve_s", "support_line", "max_level_paged", "first_line_resolved",
    "response_due_at", "response_sla", "resolution_due_at", "resolution_sla", "alert_count", "pages",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def incidents_csv(records: Sequence[IncidentRecord], now: datetime) -> str:
    """The CSV text (header first, CRLF line ends as RFC 4180 says), SLA outcomes judged at `now`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerow([_cell(value) for value in _row(record, now)])
    return out.getvalue()


def _row(record: IncidentRecord, now: datetime) -> list[object]:
    """The values of one incident, in `COLUMNS` order."""
    response, resolution = response_outcome(record, now), resolution_outcome(record, now)
    return [
        record.id, record.title, record.priority, record.category, ";".join(record.services), record.site,
        record.status, "yes" if record.major else "no",
        _instant(record.opened_at), _instant(record.acknowledged_at), record.acknowledged_by or "",
        _instant(record.resolved_at), _instant(record.closed_at), record.assignee or "",
        _whole(record.time_to_acknowledge_s), _whole(record.time_to_resolve_s),
        record.support_line, record.max_level_paged, "yes" if resolved_by_first_line(record) else "no",
        _instant(record.response_due_at), response or "", _instant(record.resolution_due_at), resolution or "",
        record.alert_count, len(record.pages),
    ]


def _cell(value: object) -> object:
    """Defuse text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _instant(value: datetime | None) -> str:
    return format_instant(value) if value is not None else ""


def _whole(seconds: float | None) -> str:
    return "" if seconds is None else str(round(seconds))
