"""I/O: write the messages about one incident — pages and the notices that close them out — into the outbox.

Rows are rendered here and inserted in the caller's transaction; nothing is sent
(`notify/dispatcher.py` sends them). Each row's key is deterministic (incident, cycle, purpose,
step, person, contact, attempt), so writing the same decision twice adds no second page.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping, Sequence

from sqlalchemy.orm import Session

from incidents.models import Incident
from notify import outbox
from notify.directory import Directory
from notify.message_text import MessageText, display_name
from notify.models import OutboxMessage
from notify.notifications import PlannedMessage, Purpose, page_key
from notify.outbox_rows import outbox_row

_TEMPLATES: Mapping[Purpose, str] = {
    Purpose.PAGE: "page",
    Purpose.MAJOR: "page",
    Purpose.ACKNOWLEDGED: "acknowledged",
    Purpose.RESOLVED: "resolved",
    Purpose.MERGED: "merged",
    Purpose.HANDOFF: "handoff",
}


class PageWriter:
    """Renders planned messages about an incident into outbox rows and inserts them (idempotent on their keys)."""

    def __init__(self, directory: Directory, text: MessageText) -> None:
        self._directory = directory
        self._text = text

    def write(
        self,
        session: Session,
        incident: Incident,
        planned: Sequence[PlannedMessage],
        *,
        purpose: Purpose,
        cycle: int,
        step: int,
        event_id: str,
        now: datetime,
        reason: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> list[OutboxMessage]:
        """Render and insert the planned messages; `extra` adds template variables to the incident's."""
        context = {**incident_context(incident), **(extra or {})}
        rows = [self._row(incident, message, purpose, cycle, step, event_id, context, reason, now) for message in planned]
        return outbox.insert_messages(session=session, messages=rows)

    def _row(
        self, incident: Incident, message: PlannedMessage, purpose: Purpose, cycle: int, step: int, event_id: str,
        context: Mapping[str, Any], reason: str | None, now: datetime,
    ) -> OutboxMessage:
        """One planned message's row, keyed by incident, cycle, purpose, step, person and contact (first attempt)."""
        key = page_key(
            incident_id=incident.id, cycle=cycle, purpose=purpose, step=step, person=message.person,
            contact=message.contact, attempt=1,
        )
        body = self._text.body(_template(purpose, message.channel), message.channel, context, message.language)
        return outbox_row(
            message, page_key=key, incident_id=incident.id, event_id=event_id, purpose=purpose, cycle=cycle, step=step,
            priority=incident.priority, body=body, reason=reason, now=now,
        )

    def name_of(self, person_id: str) -> str:
        """A person's name for messages (their id if unknown)."""
        return display_name(self._directory.people, person_id)


def _template(purpose: Purpose, channel: str) -> str:
    """A call reads the voice script; every other message the template of its purpose."""
    return "voice" if channel == "voice" and purpose in (Purpose.PAGE, Purpose.MAJOR) else _TEMPLATES[purpose]


def incident_context(incident: Incident) -> dict[str, Any]:
    """The template variables every message about an incident has."""
    return {
        "incident_id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "priority": incident.priority,
        "major": incident.major,
        "site": incident.site,
        "alert_count": incident.alert_count,
        "root": incident.root_name or incident.root_component,
        "status": incident.status,
        "detail": incident.major_reason or "",
        "short_code": "",
        "drill": bool(incident.drill),
    }
