"""I/O: what the incident writer and the pager recorded, read from a run's database (SQLite or PostgreSQL) as it runs.

Read with plain SQL through SQLAlchemy, so the reader never takes the writer's locks: an
alert is "on an incident" when the writer has put its `opened` / `alert_attached` timeline row
in; a page is "sent" when its outbox row has `sent_at`.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import create_engine, text

from incidents.db import sqlalchemy_url

#: A timeline row's detail names the alert: "opened by NAME on RESOURCE…" or "NAME on RESOURCE…".
DETAIL = re.compile(r"^(?:opened by )?(.+?) on (\S+)")


def epoch(value: str | datetime) -> float:
    """Unix time of a stored UTC time (SQLite gives text, PostgreSQL a naive datetime)."""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.replace(tzinfo=timezone.utc).timestamp()


def _rows(db_url: str, sql: str) -> list:
    sqlite = db_url.startswith("sqlite")
    engine = create_engine(sqlalchemy_url(db_url), connect_args={"timeout": 30} if sqlite else {"connect_timeout": 10})
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).all()
    finally:
        engine.dispose()


def on_incidents(db_url: str) -> dict[tuple[str, str], float]:
    """(alertname, resource) -> when the writer first put that alert on an incident (unix time)."""
    seen: dict[tuple[str, str], float] = {}
    for occurred, detail in _rows(db_url, "SELECT occurred_at, detail FROM timeline_events "
                                          "WHERE kind IN ('opened', 'alert_attached')"):
        match = DETAIL.match(detail or "")
        if match:
            at = epoch(occurred)
            key = (match.group(1), match.group(2))
            seen[key] = min(at, seen.get(key, at))
    return seen


def incidents(db_url: str) -> list[tuple]:
    """(root component, category, priority, major, alert count, status) of every incident."""
    return [tuple(row) for row in _rows(db_url, "SELECT root_component, category, priority, major, alert_count, status "
                                                "FROM incidents")]


def first_pages(db_url: str) -> dict[int, float]:
    """Incident id -> when its first page was sent (unix time), over every channel."""
    return {incident: epoch(sent) for incident, sent in _rows(
        db_url, "SELECT incident_id, min(sent_at) FROM outbox WHERE purpose = 'page' AND sent_at IS NOT NULL "
                "GROUP BY incident_id")}


def alerts_by_incident(db_url: str) -> dict[int, list[tuple[str, float]]]:
    """Incident id -> (resource, stored starts_at as unix time) of each of its alerts."""
    out: dict[int, list[tuple[str, float]]] = {}
    for incident, resource, starts in _rows(db_url, "SELECT incident_id, resource, starts_at FROM incident_alerts"):
        out.setdefault(incident, []).append((resource, epoch(starts)))
    return out
