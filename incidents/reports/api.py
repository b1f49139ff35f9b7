"""I/O: the report routes — `GET /api/reports/summary`, `GET /api/reports/incidents.csv`, `GET /reports`,
`GET /reports/monthly` — for viewers and above.

`from` and `to` are RFC 3339 instants (default: the 30 days up to now); filters `site`, `service`,
`priority`; `by` = priority | category | service | line; `bucket` = day | week, counted in the
report time zone. The monthly page takes `month=YYYY-MM` (default: the current month) and
`lang=zh-CN|en` (default: the user's language, then the browser's). Handlers are plain `def`:
FastAPI runs them in its threadpool, so the database reads never block the event loop.
A bad parameter is a 422 naming it.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import sessionmaker

from access.roles import Role
from access.web import Principal, require
from incidents.reports import i18n, reports
from incidents.reports.period import Bucket, PeriodError, month_of, range_period
from incidents.reports.query import Filters, PagingLookup, no_paging
from incidents.reports.summary import GroupBy
from streams.clock import Clock

DEFAULT_RANGE = timedelta(days=30)
#: Excel opens a UTF-8 CSV as UTF-8 (Chinese titles intact) only when it starts with a byte order mark.
CSV_BOM = "\ufeff"
T = TypeVar("T")


def report_router(
    sessions: sessionmaker, clock: Clock, tz: ZoneInfo, *, paging: PagingLookup = no_paging
) -> APIRouter:
    """Return the router serving the reports, days counted in `tz`, pages read through `paging`."""
    router = APIRouter(tags=["reports"])
    viewer = Depends(require(Role.VIEWER))

    @router.get("/api/reports/summary")
    def summary(
        start: datetime | None = Query(None, alias="from"),
        end: datetime | None = Query(None, alias="to"),
        site: str | None = None,
        service: str | None = None,
        priority: str | None = None,
        by: GroupBy = GroupBy.PRIORITY,
        bucket: Bucket = Bucket.DAY,
        _principal: Principal = viewer,
    ) -> dict[str, Any]:
        """MTTA, MTTR, first-line resolution and SLA compliance overall and per group; counts and noise over time."""
        now = clock.now()
        period = _checked(lambda: _range(start, end, now, tz))
        with sessions() as session:
            return reports.summary(
                session=session, period=period, filters=Filters(site, service, priority), by=by, bucket=bucket,
                now=now, paging=paging,
            )

    @router.get("/api/reports/incidents.csv", response_class=Response)
    def incidents_csv(
        start: datetime | None = Query(None, alias="from"),
        end: datetime | None = Query(None, alias="to"),
        site: str | None = None,
        service: str | None = None,
        priority: str | None = None,
        _principal: Principal = viewer,
    ) -> Response:
        """One row per incident opened in the range, with its timings, support line and SLA outcomes."""
        now = clock.now()
        period = _checked(lambda: _range(start, end, now, tz))
        with sessions() as session:
            text = reports.csv_text(
                session=session, period=period, filters=Filters(site, service, priority), now=now, paging=paging
            )
        name = f"incidents-{period.start:%Y%m%dT%H%MZ}-{period.end:%Y%m%dT%H%MZ}.csv"
        return Response(
            CSV_BOM + text, media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.get("/reports/monthly", response_class=HTMLResponse)
    def monthly(
        request: Request,
        month: str | None = None,
        lang: str | None = None,
        site: str | None = None,
        principal: Principal = viewer,
    ) -> HTMLResponse:
        """The printable monthly service report."""
        now = clock.now()
        language = _checked(lambda: _language(lang, principal, request))
        with sessions() as session:
            page = _checked(lambda: reports.monthly_html(
                session=session, month=month or month_of(now, tz), tz=tz, lang=language, site=site, now=now,
                paging=paging,
            ))
        return HTMLResponse(page)

    @router.get("/reports", response_class=HTMLResponse)
    def index(request: Request, lang: str | None = None, principal: Principal = viewer) -> HTMLResponse:
        """The list of monthly reports."""
        language = _checked(lambda: _language(lang, principal, request))
        with sessions() as session:
            return HTMLResponse(reports.index_html(session=session, tz=tz, lang=language, now=clock.now()))

    return router


def _range(start: datetime | None, end: datetime | None, now: datetime, tz: ZoneInfo):
    """The requested range, defaulting to the `DEFAULT_RANGE` before `to` (or before now)."""
    end = end or now
    return range_period(start or end - DEFAULT_RANGE, end, tz)


def _language(lang: str | None, principal: Principal, request: Request) -> str:
    """The `lang` parameter, else the user's language, else the browser's, else zh-CN."""
    if lang is not None:
        return i18n.language(lang)
    return principal.language or i18n.preferred(request.headers.get("accept-language")) or i18n.DEFAULT_LANGUAGE


def _checked(make: Callable[[], T]) -> T:
    """Run `make`, turning a bad parameter (PeriodError, unknown language) into a 422 with its message."""
    try:
        return make()
    except (PeriodError, i18n.LanguageError) as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
