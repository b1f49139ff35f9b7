"""I/O: composition of runbooks — the catalogue (shipped library + `runbook_dirs`), the service, the trigger
agent and overdue tick, the API and the incident page's panel — from the settings."""
from __future__ import annotations

from dataclasses import dataclass

import faust
from fastapi import APIRouter
from sqlalchemy.orm import sessionmaker

from alertdesk.settings import Settings, SettingsError
from incidents.action_service import topic_publisher
from runbooks.action_runner import ActionRunner
from runbooks.api import runbook_router
from runbooks.catalogue import CatalogueError, load_catalogue
from runbooks.panel import panel_router
from runbooks.service import RunbookService
from runbooks.trigger_agent import register_runbook_trigger
from streams.app import StreamTopics
from streams.clock import Clock


@dataclass(frozen=True)
class RunbookParts:
    """What the worker serves for runbooks, and the service others may call."""

    routers: tuple[APIRouter, ...]
    service: RunbookService


def register_runbooks(
    app: faust.App, topics: StreamTopics, sessions: sessionmaker, clock: Clock, settings: Settings
) -> RunbookParts:
    """Load the catalogue, add the trigger agent and overdue tick to `app`, return the routers.

    Raises:
        SettingsError: a runbook file (shipped or in `runbook_dirs`) is invalid; the message lists file:line errors.
    """
    try:
        catalogue = load_catalogue(settings.runbook_dirs)
    except CatalogueError as exc:
        raise SettingsError(f"runbook_dirs: invalid runbook files:\n{exc}") from exc
    allowed = frozenset(settings.runbook_allowed_commands)
    service = RunbookService(sessions, catalogue, topic_publisher(topics.events), ActionRunner(allowed), allowed, clock)
    register_runbook_trigger(app, topics, service, settings.runbook_tick_s)
    return RunbookParts(routers=(runbook_router(service), panel_router(service)), service=service)
