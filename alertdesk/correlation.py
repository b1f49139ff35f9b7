"""I/O: composes the correlate stage's inputs — engine settings, topology and state from the database, silences.

Only the composition root knows both `streams/` (the engine and its shell) and `incidents/`
(where topology, correlation state and silences are stored); this module is where they meet.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Mapping, Sequence

import faust
from sqlalchemy.orm import sessionmaker

from alertdesk.settings import Settings
from incidents.correlation_seed import live_scopes, seed_scope
from incidents.silences.catalogue import SilenceCatalogue
from incidents.topology.store import topology_if_changed
from streams.agents.correlate import CorrelationInputs, register_correlate
from streams.app import StreamTopics
from streams.clock import Clock
from streams.commands_applied import CommandsApplied
from streams.correlation.commands import Disposition, DispositionKind
from streams.correlation.engine import EngineConfig
from streams.correlation.priority import PriorityPolicy, parse_matrix
from streams.correlation.safety_rules import safety_rules
from streams.correlation.topology import Topology

log = logging.getLogger(__name__)
SILENCE_REFRESH_S = 2.0


def engine_config(settings: Settings) -> EngineConfig:
    """The engine's windows and policies from the settings.

    Raises:
        ValueError: a priority matrix entry is malformed.
    """
    return EngineConfig(
        window=timedelta(seconds=settings.correlation_window_s),
        hold_down=timedelta(seconds=settings.correlation_hold_down_s),
        quiet_period=timedelta(seconds=settings.correlation_quiet_period_s),
        reopen_window=timedelta(seconds=settings.correlation_reopen_window_s),
        group_by=settings.correlation_group_by,
        group_wait=timedelta(seconds=settings.correlation_group_wait_s),
        priority=PriorityPolicy(
            matrix=parse_matrix(settings.priority_matrix), major_alertnames=frozenset(settings.major_alertnames)
        ),
    )


def register_correlation(
    app: faust.App, topics: StreamTopics, sessions: sessionmaker, clock: Clock, settings: Settings,
    *, bootstrap_servers: Sequence[str],
) -> None:
    """Register the correlate stage with topology, state seeding and silences read from the database.

    Raises:
        ValueError: a priority matrix or `safety_alertnames` entry is malformed (the message names it).
    """
    config = engine_config(settings)
    catalogue = SilenceCatalogue(sessions, safety_rules=safety_rules(settings.safety_alertnames))

    def topology(known: str | None) -> tuple[str, Topology] | None:
        with sessions() as session:
            return topology_if_changed(session, known)

    def seed(scope: str):
        return seed_scope(sessions, scope, now=clock.now(), reopen_window=config.reopen_window)

    def scopes() -> set[str]:
        return live_scopes(sessions, now=clock.now(), reopen_window=config.reopen_window)

    def suppressor(labels: Mapping[str, str], component_ids: frozenset[str], now: datetime) -> Disposition | None:
        found = catalogue.snapshot.suppression(labels, component_ids, now)
        if found is None:
            return None
        return Disposition(DispositionKind(str(found.kind)), found.reason, found.by, found.until)

    async def refresh() -> None:
        try:
            await asyncio.to_thread(catalogue.refresh, clock.now())
        except Exception:  # noqa: BLE001 - the last snapshot stays in force until the database is back
            log.exception("reloading silences and maintenance windows failed")

    # At start-up at once (so no silenced alert pages in the first seconds), then on a timer.
    app.task(refresh)
    app.timer(SILENCE_REFRESH_S)(refresh)

    applied = CommandsApplied(app, bootstrap_servers=bootstrap_servers, topic=topics.names.commands)
    register_correlate(
        app, topics, clock, config, CorrelationInputs(
            topology=topology, seed=seed, live_scopes=scopes, commands_applied=applied.wait, suppressor=suppressor,
            topology_refresh_s=settings.correlation_topology_refresh_s,
        )
    )
