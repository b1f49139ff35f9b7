"""I/O: the live board — `GET /` (the page) and `GET /board/live` (the fragment htmx polls every 5 s).

The handlers are plain `def` (FastAPI's threadpool), like the incident API, so the synchronous
queries never block the event loop that also serves ingest. The open incidents are always
loaded, whatever the filter, because the red banner of open major incidents must not disappear
when someone filters the board to a site or to yesterday's resolved incidents.
"""
from __future__ import annotations

from typing import Any, Mapping

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import sessionmaker

from access.web import Principal, Role, require
from desk.board import OPEN_STATUSES, PRIORITIES, STATUSES, BoardFilter, FilterError, board_rows
from desk.render import Pages
from incidents.queries import list_incidents

#: Incidents loaded per status: a board of more than this is no longer read by a person; the page says so.
BOARD_LIMIT = 500


def board_router(sessions: sessionmaker, pages: Pages) -> APIRouter:
    """Return the router serving the board page and its polled fragment."""
    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    def board(request: Request, principal: Principal = Depends(require(Role.VIEWER))) -> HTMLResponse:
        """The board with its filters, the major-incident banner and the incident table."""
        context, status_code = _board(sessions, request.query_params)
        return pages.render(request, "board.html", principal, status_code=status_code, **context)

    @router.get("/board/live", response_class=HTMLResponse)
    def board_live(request: Request, principal: Principal = Depends(require(Role.VIEWER))) -> HTMLResponse:
        """The banner and the table only: what htmx swaps in every 5 s."""
        context, status_code = _board(sessions, request.query_params)
        return pages.render(request, "board_live.html", principal, status_code=status_code, **context)

    return router


def _board(sessions: sessionmaker, params: Mapping[str, str]) -> tuple[dict[str, Any], int]:
    """The board's template context and status (400 with the reason for a bad filter, showing the open board)."""
    try:
        board_filter, error, status_code = BoardFilter.parse(params), "", 200
    except FilterError as exc:
        board_filter, error, status_code = BoardFilter(), str(exc), 400
    incidents, truncated = _load(sessions, board_filter)
    open_incidents = [incident for incident in incidents if incident["status"] in OPEN_STATUSES]
    context = {
        "filter": board_filter,
        "error": error,
        "rows": board_rows(incidents, board_filter),
        "majors": board_rows(open_incidents, BoardFilter(major=True)),
        "statuses": STATUSES,
        "priorities": PRIORITIES,
        "sites": sorted({incident["site"] for incident in incidents if incident["site"]}),
        "assignees": sorted({incident["assignee"] for incident in incidents if incident["assignee"]}),
        "truncated": truncated,
        "limit": BOARD_LIMIT,
    }
    return context, status_code


def _load(sessions: sessionmaker, board_filter: BoardFilter) -> tuple[list[dict[str, Any]], bool]:
    """The open incidents plus those of the filter's status, newest first; True when a status had more than fit."""
    statuses = OPEN_STATUSES + tuple(status for status in board_filter.statuses if status not in OPEN_STATUSES)
    incidents: list[dict[str, Any]] = []
    truncated = False
    with sessions() as session:
        for status in statuses:
            page, total = list_incidents(session=session, status=status, limit=BOARD_LIMIT, offset=0)
            incidents.extend(page)
            truncated = truncated or total > len(page)
    return incidents, truncated
