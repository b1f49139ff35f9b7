"""I/O: the correlate agent: `alerts.changes` (key: scope) → `incidents.commands` (key: incident key).

Open groups live in a faust table keyed by group key; the incident writer turns commands into rows.
"""
from __future__ import annotations

from typing import Any, Mapping

import faust

from streams.agents.safety import run_guarded
from streams.alerts.model import AlertChange
from streams.app import StreamTopics
from streams.clock import Clock
from streams.correlation.grouping import GroupState, correlate, group_key

#: The stage name: the agent's name, its metric label, and its key in `streams.topics.STAGE_INPUTS`.
STAGE = "correlate"


def register_correlate(app: faust.App, topics: StreamTopics, clock: Clock) -> None:
    """Add the correlate agent and its group table to `app`."""
    groups = app.Table("correlation-groups", partitions=topics.changes.partitions)

    async def handle(value: Mapping[str, Any]) -> None:
        change = AlertChange.from_dict(value)
        key = group_key(change.alert)
        prior = groups.get(key)
        decision = correlate(GroupState.from_dict(prior) if prior else None, change, now=clock.now())
        if decision.state is None:
            groups.pop(key, None)
        else:
            groups[key] = decision.state.to_dict()
        for command in decision.commands:
            await topics.commands.send(key=command.incident_key.encode(), value=command.to_dict())

    @app.agent(topics.changes, name=STAGE)
    async def correlate_agent(stream: faust.StreamT) -> None:
        async for value in stream:
            await run_guarded(stage=STAGE, value=value, handler=handle, dlq=topics.dlq)
