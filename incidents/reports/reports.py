"""I/O: the reports as the API and the CLI deliver them — summary JSON, CSV text, monthly and index HTML.

Each function reads what it needs in the caller's session, computes with the pure modules and
returns text or JSON-ready values; `now` is the caller's clock reading (SLA deadlines still
ahead are "pending" as of then). The HTTP routes (`incidents.reports.api`) and `alertdesk report`
both go through here, so the API and the command line can never disagree on a number.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from incidents.handover.store import handover_dict, list_handovers
from incidents.reports.csv_export import incidents_csv
from incidents.reports.monthly import MonthInput, monthly_view
from incidents.reports.period import Bucket, Period, month_period, months_between
from incidents.reports.query import Filters, PagingLookup, alert_samples, first_opened_at, incident_records, no_paging
from incidents.reports.render import render_index, render_monthly
from incidents.reports.series import incident_counts, noise
from incidents.reports.summary import GroupBy, summarize
from streams.clock import format_instant

#: At most this many handovers are listed in a monthly report (three shifts a day for a month is ~93).
MAX_HANDOVERS = 500


def summary(
    *, session: Session, period: Period, filters: Filters, by: GroupBy, bucket: Bucket, now: datetime,
    paging: PagingLookup = no_paging,
) -> dict[str, Any]:
    """The summary: numbers overall and per group, incidents per bucket, and noise per bucket."""
    records = incident_records(session=session, period=period, filters=filters, paging=paging)
    alerts = alert_samples(session=session, period=period, filters=filters)
    return {
        "from": format_instant(period.start),
        "to": format_instant(period.end),
        "timezone": period.zone.key,
        "filters": {"site": filters.site, "service": filters.service, "priority": filters.priority},
        **summarize(records, by, now).to_dict(),
        "bucket": str(bucket),
        "counts": [{"bucket": day.isoformat(), "incidents": n} for day, n in incident_counts(records, period, bucket)],
        "noise": [point.to_dict() for point in noise(records, alerts, period, bucket)],
    }


def csv_text(
    *, session: Session, period: Period, filters: Filters, now: datetime, paging: PagingLookup = no_paging
) -> str:
    """The CSV export of the incidents opened in the period."""
    return incidents_csv(incident_records(session=session, period=period, filters=filters, paging=paging), now)


def monthly_html(
    *, session: Session, month: str, tz: ZoneInfo, lang: str, site: str | None, now: datetime,
    paging: PagingLookup = no_paging,
) -> str:
    """The printable monthly service report of the local month "YYYY-MM" in `lang`.

    Raises:
        incidents.reports.period.PeriodError: if `month` is not YYYY-MM.
    """
    period = month_period(month, tz)
    filters = Filters(site=site)
    handovers, _ = list_handovers(
        session=session, limit=MAX_HANDOVERS, offset=0, since=period.start, until=period.end
    )
    data = MonthInput(
        month=month, site=site, period=period,
        records=incident_records(session=session, period=period, filters=filters, paging=paging),
        alerts=alert_samples(session=session, period=period, filters=filters),
        handovers=[handover_dict(row) for row in reversed(handovers)], now=now,
    )
    return render_monthly(monthly_view(data, lang), site_param=site)


def index_html(*, session: Session, tz: ZoneInfo, lang: str, now: datetime) -> str:
    """The /reports page linking every month from the first incident's to the current one."""
    first = first_opened_at(session=session)
    return render_index(months_between(first, now, tz) if first is not None else [], lang)
