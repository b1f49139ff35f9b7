"""Pure: support lines (一线 / 二线 / 三线) from what paging did — the escalation level is the line.

Level 1 of an escalation policy is the first line, level 2 the second, and so on. An incident's
support line is the highest level paged up to its acknowledgement (or up to now, while nobody
acknowledged it); an incident nobody was paged for is handled by the first line (the desk).
Pages at level 0 (a major incident's pages to the major roles) are pages but no support line.
An assignee belongs to the line of the first level whose targets name it, or at which it was
paged; a name no level knows (a person not in the policy) says nothing about the line.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Iterable

from incidents.reports.records import PagingFacts

FIRST_LINE = 1

# incidents.actions.assign writes "assigned to WHO" or "assigned to WHO (was BEFORE)" on the timeline.
_ASSIGNED = re.compile(r"^assigned to (?P<who>.+?)(?: \(was .+\))?$")


def support_line(facts: PagingFacts, acknowledged_at: datetime | None) -> int:
    """The escalation level the incident was acknowledged at: the highest level paged before the acknowledgement."""
    levels = [
        page.level for page in facts.pages
        if page.level >= FIRST_LINE and (acknowledged_at is None or page.at <= acknowledged_at)
    ]
    return max(levels, default=FIRST_LINE)


def max_level_paged(facts: PagingFacts) -> int:
    """The highest escalation level paged for the incident, 0 when nobody was paged."""
    return max((page.level for page in facts.pages), default=0)


def line_of(name: str, facts: PagingFacts) -> int | None:
    """The support line `name` (a group, person or schedule id) belongs to for this incident, None if unknown."""
    for index, targets in enumerate(facts.level_targets, start=FIRST_LINE):
        if name in targets:
            return index
    paged = [page.level for page in facts.pages if page.recipient == name and page.level >= FIRST_LINE]
    return min(paged, default=None)


def reassigned_beyond_first_line(assignees: Iterable[str], facts: PagingFacts) -> bool:
    """True when any assignee of the incident belongs to a line above the first."""
    return any((line_of(name, facts) or FIRST_LINE) > FIRST_LINE for name in assignees)


def assignee_from_detail(detail: str) -> str | None:
    """The assignee named by an "assigned" timeline entry's detail, None when the text is not one."""
    found = _ASSIGNED.match(detail.strip())
    return found.group("who") if found else None
