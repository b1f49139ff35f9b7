"""I/O: `alertdesk report summary|csv|monthly` — the reports read straight from the system of record.

Like `incidents list`, reports only read, so they answer with no worker running; they compute
exactly what `GET /api/reports/…` and `/reports/monthly` serve (incidents.reports.reports), with
the pager's facts from `notify` and days counted in `report_timezone`.
"""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Optional

import typer

from alertdesk.cli.common import ConfigOption, open_session, settings_or_exit

report_app = typer.Typer(help="Reports: MTTA/MTTR summary, CSV export, the monthly service report.",
                         no_args_is_help=True)

MonthOption = typer.Option(None, "--month", help="Local month YYYY-MM (report_timezone); default: the current one.")
FromOption = typer.Option(None, "--from", help="Start instant (RFC 3339), instead of --month.")
ToOption = typer.Option(None, "--to", help="End instant (RFC 3339), instead of --month; default now.")
SiteOption = typer.Option(None, "--site", help="Only this site.")
OutOption = typer.Option(None, "--out", help="Write to FILE instead of standard output.")


@report_app.command("summary")
def report_summary(
    month: Optional[str] = MonthOption,
    start: Optional[str] = FromOption,
    end: Optional[str] = ToOption,
    site: Optional[str] = SiteOption,
    service: Optional[str] = typer.Option(None, "--service", help="Only incidents of this business service."),
    priority: Optional[str] = typer.Option(None, "--priority", help="Only this priority (P1..P5)."),
    by: str = typer.Option("priority", "--by", help="priority, category, service or line."),
    bucket: str = typer.Option("day", "--bucket", help="day or week."),
    out: Optional[Path] = OutOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """MTTA/MTTR (mean, median, p90), first-line resolution, SLA compliance, counts and noise, as JSON."""
    from incidents.reports import reports
    from incidents.reports.period import Bucket
    from incidents.reports.query import Filters
    from incidents.reports.summary import GroupBy
    from notify.report_facts import paging_facts

    now, period = _period(config, month, start, end)
    grouping, buckets = _choice(GroupBy, by, "--by"), _choice(Bucket, bucket, "--bucket")
    with open_session(config) as session:
        body = reports.summary(
            session=session, period=period, filters=Filters(site, service, priority), by=grouping, bucket=buckets,
            now=now, paging=paging_facts,
        )
    _emit(json.dumps(body, ensure_ascii=False, indent=2) + "\n", out)


@report_app.command("csv")
def report_csv(
    month: Optional[str] = MonthOption,
    start: Optional[str] = FromOption,
    end: Optional[str] = ToOption,
    site: Optional[str] = SiteOption,
    out: Optional[Path] = OutOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """One CSV row per incident opened in the period, with its timings, support line and SLA outcomes."""
    from incidents.reports import reports
    from incidents.reports.query import Filters
    from notify.report_facts import paging_facts

    now, period = _period(config, month, start, end)
    with open_session(config) as session:
        text = reports.csv_text(session=session, period=period, filters=Filters(site=site), now=now,
                                paging=paging_facts)
    _emit(text, out)


@report_app.command("monthly")
def report_monthly(
    month: Optional[str] = MonthOption,
    lang: str = typer.Option("zh-CN", "--lang", help="zh-CN or en."),
    site: Optional[str] = SiteOption,
    out: Optional[Path] = OutOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """The printable monthly service report (HTML; open it in a browser and print)."""
    from alertdesk.reports import report_zone
    from incidents.reports import i18n, reports
    from incidents.reports.period import PeriodError, month_of
    from notify.report_facts import paging_facts
    from streams.clock import SystemClock

    settings = settings_or_exit(config)
    tz, now = report_zone(settings), SystemClock().now()
    try:
        language = i18n.language(lang)
        with open_session(config) as session:
            page = reports.monthly_html(
                session=session, month=month or month_of(now, tz), tz=tz, lang=language, site=site, now=now,
                paging=paging_facts,
            )
    except (PeriodError, i18n.LanguageError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    _emit(page, out)


def _period(config: Optional[Path], month: Optional[str], start: Optional[str], end: Optional[str]):
    """(now, the period of --month, or of --from/--to); exit 2 with the reason when they are not valid."""
    from alertdesk.reports import report_zone
    from incidents.reports.period import PeriodError, month_of, month_period, range_period
    from streams.clock import SystemClock, parse_instant

    settings = settings_or_exit(config)
    tz, now = report_zone(settings), SystemClock().now()
    try:
        if month is not None or (start is None and end is None):
            if start is not None or end is not None:
                raise PeriodError("give --month or --from/--to, not both")
            return now, month_period(month or month_of(now, tz), tz)
        stop = parse_instant(end) if end else now
        return now, range_period(parse_instant(start) if start else stop - timedelta(days=30), stop, tz)
    except ValueError as exc:  # PeriodError, or parse_instant's message about a bad timestamp
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


def _choice(kind, value: str, option: str):
    """`value` as a member of the StrEnum `kind`; exit 2 naming the choices."""
    try:
        return kind(value)
    except ValueError:
        typer.echo(f"{option} {value!r}: use one of {', '.join(kind)}", err=True)
        raise typer.Exit(2) from None


def _emit(text: str, out: Optional[Path]) -> None:
    """Write to `out` (UTF-8) and say where, or print."""
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out} ({len(text.encode('utf-8'))} bytes)", err=True)

