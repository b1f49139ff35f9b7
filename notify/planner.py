"""Pure: decide who is paged about an incident event, and why nobody is when nobody is.

Snapshot in (one `IncidentEvent`, the configured routes), decisions out (`PageIntent`s).
The outbox key of an intent (incident, escalation level, recipient, channel, attempt) is what
makes a replayed event page nobody twice, so this module must stay deterministic.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Mapping, Sequence

from incidents.events import EventKind, IncidentEvent

# Level 0 is informational (e.g. "resolved"), so a notice never takes a page's outbox key.
INFO_LEVEL = 0
FIRST_LEVEL = 1


class NoPageReason(StrEnum):
    """Why an event paged nobody; lands on the timeline and in metric labels."""

    NOT_PAGEABLE_EVENT = "not_pageable_event"
    NO_ROUTES = "no_routes"


@dataclass(frozen=True)
class Route:
    """Where pages go: one recipient over one channel, from configuration."""

    recipient: str = "on-call"
    channel: str = "console"


DEFAULT_ROUTES: tuple[Route, ...] = (Route(),)


@dataclass(frozen=True)
class PageIntent:
    """One message the pager should send, keyed like its outbox row."""

    incident_id: int
    event_id: str
    escalation_level: int
    recipient: str
    channel: str
    attempt: int
    template: str
    context: Mapping[str, Any] = field(hash=False)


@dataclass(frozen=True)
class PagePlan:
    """The intents for one event; `reason` says why there are none (None when there are some)."""

    intents: tuple[PageIntent, ...]
    reason: NoPageReason | None = None


_TEMPLATES: Mapping[EventKind, tuple[str, int]] = {
    EventKind.OPENED: ("page", FIRST_LEVEL),
    EventKind.RESOLVED: ("resolved", INFO_LEVEL),
}


def plan_pages(event: IncidentEvent, *, routes: Sequence[Route]) -> PagePlan:
    """Plan the pages for `event`: OPENED pages every route, RESOLVED notifies them, others page nobody."""
    if event.kind not in _TEMPLATES:
        return PagePlan((), NoPageReason.NOT_PAGEABLE_EVENT)
    if not routes:
        return PagePlan((), NoPageReason.NO_ROUTES)
    template, level = _TEMPLATES[event.kind]
    context = page_context(event)
    intents = tuple(
        PageIntent(
            incident_id=event.incident_id,
            event_id=event.event_id,
            escalation_level=level,
            recipient=route.recipient,
            channel=route.channel,
            attempt=1,
            template=template,
            context=context,
        )
        for route in dict.fromkeys(routes)  # a route listed twice is still one page
    )
    return PagePlan(intents)


def page_context(event: IncidentEvent) -> Mapping[str, Any]:
    """The template variables of an event (read-only)."""
    return MappingProxyType(
        {
            "incident_id": event.incident_id,
            "incident_key": event.incident_key,
            "title": event.title,
            "severity": str(event.severity),
            "status": event.status,
            "site": event.site,
            "alert_count": event.alert_count,
            "detail": event.detail,
        }
    )
