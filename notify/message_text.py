"""Pure: how messages read — the incident link, the renderer, and the names of the people they mention.

Paging, notices and the dispatcher's summary SMS all render through one `MessageText`, so a
template change or a new link base reaches every message the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from notify.directory import Person
from notify.render import render
from notify.sms_text import fit_sms


@dataclass(frozen=True)
class MessageText:
    """How messages read: the incident link base (the web UI) and the renderer (templates by language)."""

    link_base: str = ""
    renderer: Callable[[str, Mapping[str, Any], str], str] = render

    def body(self, template: str, channel: str, context: Mapping[str, Any], language: str) -> str:
        """The text of one message; SMS keeps within its segment budget and always keeps the link."""
        link = f"{self.link_base.rstrip('/')}/api/incidents/{context['incident_id']}" if self.link_base and context.get("incident_id") else ""
        if channel == "sms":
            return fit_sms(self.renderer(template, {**context, "link": ""}, language), link=link)
        return self.renderer(template, {**context, "link": link}, language)


def display_name(people: Mapping[str, Person], person_id: str) -> str:
    """A person's name for messages; their id when the directory does not know them (the message still goes)."""
    person = people.get(person_id)
    return person.name if person else person_id
