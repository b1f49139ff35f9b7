"""I/O: puts reports and shift handovers together — the routers with the pager's facts, the runbooks' steps
and the report time zone.

Only the composition root may join `incidents/` (reports, handovers) with `notify/` (what paging
did) and `runbooks/` (unfinished steps): `notify.report_facts.paging_facts` is handed to the reports
as their `PagingLookup`, `runbooks.queries.pending_steps` to the handovers as their `PendingSteps`.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter
from sqlalchemy.orm import sessionmaker

from alertdesk.settings import Settings, SettingsError
from incidents.action_service import Publish
from incidents.handover.api import handover_router
from incidents.handover.service import HandoverService
from incidents.handover.store import PendingSteps
from incidents.reports.api import report_router
from incidents.reports.period import PeriodError, zone
from notify.report_facts import paging_facts
from runbooks.queries import pending_steps as runbook_pending_steps
from streams.clock import Clock


def report_zone(settings: Settings) -> ZoneInfo:
    """The zone of `report_timezone`.

    Raises:
        SettingsError: the name is not an IANA zone.
    """
    try:
        return zone(settings.report_timezone)
    except PeriodError as exc:
        raise SettingsError(f"report_timezone: {exc}") from None


def report_routers(
    settings: Settings,
    sessions: sessionmaker,
    clock: Clock,
    publish: Publish,
    *,
    pending_steps: PendingSteps = runbook_pending_steps,
) -> list[APIRouter]:
    """The reports' and the handovers' routers; handover events go out through `publish` (incidents.events).

    A handover lists the runbooks' unfinished steps (`runbooks.queries.pending_steps`) unless told otherwise.
    """
    handovers = HandoverService(sessions, publish, clock, pending_steps=pending_steps)
    return [
        report_router(sessions, clock, report_zone(settings), paging=paging_facts),
        handover_router(sessions, handovers),
    ]
