"""Pure: the live board's rows — filters, text search, order (priority, then SLA time left) and time-left text.

Works on the incident dicts of `incidents.queries` (times as RFC 3339 strings). SLA deadlines
come from `response_due_at` / `resolution_due_at` when the dicts carry them; an incident without
a deadline sorts after those with one in its priority, oldest first, so nothing with a clock
running hides behind something without one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Sequence
from urllib.parse import urlencode

from desk.i18n import Translate
from streams.clock import parse_instant

OPEN = "open"
OPEN_STATUSES = ("triggered", "acknowledged")
STATUSES = (OPEN, *OPEN_STATUSES, "resolved", "closed")
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
MAX_TEXT = 200
MAX_NAME = 128
#: Below this a running deadline is shown as "near" (amber), under zero as breached (red).
NEAR = timedelta(minutes=15)
FILTER_KEYS = ("status", "priority", "site", "assignee", "major", "q")
_SEARCHED = ("title", "site", "assignee", "root_name", "root_component", "incident_key", "scope", "category")


class FilterError(ValueError):
    """A board filter parameter is not valid; the message names it and says what is allowed."""


@dataclass(frozen=True)
class BoardFilter:
    """What the board shows: one status (or all open ones) narrowed by priority, site, assignee, major and text."""

    status: str = OPEN
    priority: str = ""
    site: str = ""
    assignee: str = ""
    major: bool = False
    text: str = ""

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> "BoardFilter":
        """Read the board's GET parameters; empty values mean "any".

        Raises:
            FilterError: for an unknown parameter or a value that is not allowed.
        """
        unknown = sorted(set(params) - set(FILTER_KEYS))
        if unknown:
            raise FilterError(f"unknown filter {unknown[0]!r}; the board filters by {', '.join(FILTER_KEYS)}")
        status = params.get("status", "").strip() or OPEN
        if status not in STATUSES:
            raise FilterError(f"status {status!r} is not one of {', '.join(STATUSES)}")
        priority = params.get("priority", "").strip().upper()
        if priority and priority not in PRIORITIES:
            raise FilterError(f"priority {priority!r} is not one of {', '.join(PRIORITIES)}")
        major = params.get("major", "").strip().lower()
        if major not in ("", "1", "true", "on", "yes"):
            raise FilterError(f"major {major!r}: send 1 (major incidents only) or nothing")
        text = params.get("q", "").strip()
        if len(text) > MAX_TEXT:
            raise FilterError(f"search text is {len(text)} characters; at most {MAX_TEXT}")
        site, assignee = params.get("site", "").strip(), params.get("assignee", "").strip()
        for name, value in (("site", site), ("assignee", assignee)):
            if len(value) > MAX_NAME:
                raise FilterError(f"{name} is {len(value)} characters; at most {MAX_NAME}")
        return cls(status=status, priority=priority, site=site, assignee=assignee, major=bool(major), text=text)

    @property
    def statuses(self) -> tuple[str, ...]:
        """The incident statuses to load for this filter."""
        return OPEN_STATUSES if self.status == OPEN else (self.status,)

    def matches(self, incident: Mapping[str, Any]) -> bool:
        """Whether the incident passes every filter and the text search (case-insensitive substring)."""
        if incident["status"] not in self.statuses:
            return False
        if self.priority and incident.get("priority") != self.priority:
            return False
        if self.site and incident.get("site") != self.site:
            return False
        if self.assignee and (incident.get("assignee") or "") != self.assignee:
            return False
        if self.major and not incident.get("major"):
            return False
        return not self.text or self.text.lower() in _haystack(incident)

    def query(self) -> str:
        """The filter as a URL query string (without "?"), only the non-default values: for links and polling."""
        pairs = [
            ("status", "" if self.status == OPEN else self.status),
            ("priority", self.priority),
            ("site", self.site),
            ("assignee", self.assignee),
            ("major", "1" if self.major else ""),
            ("q", self.text),
        ]
        return urlencode([(key, value) for key, value in pairs if value])


@dataclass(frozen=True)
class Deadline:
    """One SLA clock of an incident: respond (acknowledge) or resolve by `due_at`; `met_at` once it stopped."""

    kind: str  # "response" | "resolution"
    due_at: datetime
    met_at: datetime | None

    @property
    def running(self) -> bool:
        """Whether the clock still runs (not acknowledged / not resolved yet)."""
        return self.met_at is None

    def left(self, now: datetime) -> timedelta:
        """Time left until the deadline (negative once breached)."""
        return self.due_at - now

    def state(self, now: datetime) -> str:
        """"met", "met_late", "breached", "near" or "ok" — what colour a person sees."""
        if self.met_at is not None:
            return "met" if self.met_at <= self.due_at else "met_late"
        left = self.left(now)
        return "breached" if left < timedelta(0) else "near" if left < NEAR else "ok"


@dataclass(frozen=True)
class BoardRow:
    """One incident on the board with the SLA deadline that runs out first (None without a running one)."""

    incident: Mapping[str, Any]
    deadline: Deadline | None


def deadlines(incident: Mapping[str, Any]) -> tuple[Deadline, ...]:
    """The incident's SLA clocks, from the dict's `response_due_at` / `resolution_due_at` when present.

    The response clock stops at the acknowledgement (or the resolution, when it was never
    acknowledged); the resolution clock at the resolution.
    """
    resolved = _instant(incident.get("resolved_at"))
    stops = {"response": _instant(incident.get("acknowledged_at")) or resolved, "resolution": resolved}
    found = []
    for kind, stop in stops.items():
        due = _instant(incident.get(f"{kind}_due_at"))
        if due is not None:
            found.append(Deadline(kind=kind, due_at=due, met_at=stop))
    return tuple(found)


def next_deadline(incident: Mapping[str, Any]) -> Deadline | None:
    """The running deadline due first, or None when no clock runs."""
    running = [deadline for deadline in deadlines(incident) if deadline.running]
    return min(running, key=lambda deadline: deadline.due_at, default=None)


def board_rows(incidents: Sequence[Mapping[str, Any]], board_filter: BoardFilter) -> list[BoardRow]:
    """The incidents passing `board_filter`, ordered by priority, then SLA time left, then age."""
    rows = [BoardRow(incident, next_deadline(incident)) for incident in incidents if board_filter.matches(incident)]
    return sorted(rows, key=_order)


def format_span(span: timedelta, t: Translate) -> str:
    """A duration as a person reads it on a board: "2d 3h", "1h 05m", "12m", "<1m" (sign ignored)."""
    minutes = int(abs(span).total_seconds()) // 60
    days, hours = divmod(minutes // 60, 24)
    if days:
        return t("span.days", days=days, hours=hours)
    if hours:
        return t("span.hours", hours=hours, minutes=minutes % 60)
    if minutes:
        return t("span.minutes", minutes=minutes)
    return t("span.under_minute")


def format_time_left(deadline: Deadline, now: datetime, t: Translate) -> str:
    """"12m left", "overdue by 1h 05m", or when the clock stopped "met (time)" / "met late (time)"."""
    if deadline.met_at is not None:
        key = "sla.met" if deadline.met_at <= deadline.due_at else "sla.met_late"
        return t(key, time=format_when(deadline.met_at))
    left = deadline.left(now)
    key = "sla.overdue" if left < timedelta(0) else "sla.left"
    return t(key, span=format_span(left, t))


def format_when(value: datetime | str | None) -> str:
    """A timestamp as people read it on the desk: "2026-01-01 08:30:05 UTC" ("" for none)."""
    if value is None or value == "":
        return ""
    instant = parse_instant(value) if isinstance(value, str) else value.astimezone(timezone.utc)
    return instant.strftime("%Y-%m-%d %H:%M:%S UTC")


def _order(row: BoardRow) -> tuple:
    """Priority first (P1 on top), then the deadline nearest (or most overdue), then the oldest incident."""
    incident = row.incident
    priority = incident.get("priority", "")
    rank = PRIORITIES.index(priority) if priority in PRIORITIES else len(PRIORITIES)
    due = (0, row.deadline.due_at.timestamp()) if row.deadline is not None else (1, 0.0)
    return (rank, *due, incident.get("opened_at", ""), incident.get("id", 0))


def _haystack(incident: Mapping[str, Any]) -> str:
    """The text the search looks in: names, places, people, services and the id ("#12" finds incident 12)."""
    parts = [str(incident.get(field) or "") for field in _SEARCHED]
    parts.extend(str(service) for service in incident.get("services") or ())
    parts.append(f"#{incident.get('id', '')}")
    return "\n".join(parts).lower()


def _instant(value: datetime | str | None) -> datetime | None:
    """A dict's timestamp (string or datetime) as an aware datetime, None when absent."""
    if value is None or value == "":
        return None
    return parse_instant(value) if isinstance(value, str) else value
