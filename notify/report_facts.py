"""I/O: what paging did per incident, for the reports (`incidents.reports.query.PagingLookup`).

Pages are the outbox rows that paged someone (escalation steps and major-incident pages) and were
not cancelled before they were due or refused as unsendable: a page counts from the moment it was
queued. An outbox row records the escalation *step*; with a policy that repeats, step 3 of a
two-level policy is level 1 again, so the level is read through the policy snapshotted on the
incident's escalation row. Major-incident pages (step 0) page the major roles, not a support
line: they count as pages at level 0. The snapshot's level targets place an assignee such as
"line2" on the line that incident's policy gave it.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from incidents.reports.records import PageRecord, PagingFacts
from notify.models import Escalation, OutboxMessage
from notify.notifications import PAGING_PURPOSES
from notify.outbox import OutboxStatus

#: Ids per IN (…) list: PostgreSQL and SQLite both take this many bound parameters comfortably.
CHUNK = 500
_NOT_PAGED = (str(OutboxStatus.CANCELLED), str(OutboxStatus.NOT_SENT))


def paging_facts(session: Session, incident_ids: Sequence[int]) -> Mapping[int, PagingFacts]:
    """The pages and the escalation levels' targets of each incident in `incident_ids` that has any."""
    found: dict[int, PagingFacts] = {}
    for start in range(0, len(incident_ids), CHUNK):
        found.update(_chunk(session, list(incident_ids[start:start + CHUNK])))
    return found


def _chunk(session: Session, incident_ids: list[int]) -> dict[int, PagingFacts]:
    """`paging_facts` of at most `CHUNK` incidents."""
    levels: dict[int, list[Mapping[str, Any]]] = {
        incident_id: list(policy.get("levels", ()))
        for incident_id, policy in session.execute(
            select(Escalation.incident_id, Escalation.policy).where(Escalation.incident_id.in_(incident_ids))
        )
    }
    pages: dict[int, list[PageRecord]] = defaultdict(list)
    rows = session.execute(
        select(OutboxMessage.incident_id, OutboxMessage.escalation_level, OutboxMessage.recipient,
               OutboxMessage.created_at)
        .where(OutboxMessage.incident_id.in_(incident_ids), OutboxMessage.purpose.in_(PAGING_PURPOSES),
               OutboxMessage.status.not_in(_NOT_PAGED))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    for incident_id, step, recipient, at in rows:
        pages[incident_id].append(PageRecord(level=_level(step, len(levels.get(incident_id, ()))), recipient=recipient,
                                             at=at))
    return {
        incident_id: PagingFacts(
            pages=tuple(pages.get(incident_id, ())),
            level_targets=tuple(
                frozenset(str(target["id"]) for target in level.get("targets", ()))
                for level in levels.get(incident_id, ())
            ),
        )
        for incident_id in set(pages) | set(levels)
    }


def _level(step: int, level_count: int) -> int:
    """The policy level of an escalation step (steps run through the levels once per round); 0 stays 0."""
    if step <= 0 or level_count == 0:
        return max(step, 0)
    return (step - 1) % level_count + 1
