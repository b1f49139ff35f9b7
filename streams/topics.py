"""Pure: the names and sizes of the pipeline's topics (the architecture's topic table, with a prefix).

A prefix lets several deployments share one Kafka cluster. Partition counts bound how many
workers can share a stage; the embedded default uses a few, production sizes them per stage.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any, Mapping


@dataclass(frozen=True)
class TopicNames:
    """The full name of every pipeline topic."""

    raw: str
    dlq: str
    normalized: str
    changes: str
    commands: str
    events: str

    def all(self) -> tuple[str, ...]:
        """Every topic name, in pipeline order."""
        return tuple(getattr(self, f.name) for f in fields(self))


def topic_names(prefix: str) -> TopicNames:
    """Return the topic names for a deployment prefix such as 'alertdesk.'."""
    return TopicNames(
        raw=f"{prefix}alerts.raw",
        dlq=f"{prefix}alerts.dlq",
        normalized=f"{prefix}alerts.normalized",
        changes=f"{prefix}alerts.changes",
        commands=f"{prefix}incidents.commands",
        events=f"{prefix}incidents.events",
    )


@dataclass(frozen=True)
class StageInput:
    """What a stage consumes: the `TopicNames` field of its input topic and the event field that is the record key.

    `key_field` may name a nested field (`location.site`); `key_default` keys an event that lacks it.
    """

    topic: str
    key_field: str
    key_default: str | None = None

    def key_of(self, event: Mapping[str, Any]) -> str | None:
        """The record key of `event`, or None when it has no usable key."""
        value: Any = event
        for name in self.key_field.split("."):
            value = value.get(name) if isinstance(value, Mapping) else None
        if value is None or (value == "" and self.key_default is not None):
            return self.key_default
        return None if isinstance(value, (dict, list)) else str(value)


# Stage names are those agents pass to `run_guarded` (and so those on `alerts.dlq` records).
STAGE_INPUTS: Mapping[str, StageInput] = MappingProxyType({
    "normalize": StageInput("raw", "source"),
    "dedupe": StageInput("normalized", "location.site", key_default="-"),  # streams.alerts.dedupe.correlation_scope
    "correlate": StageInput("changes", "scope"),
    "incident-writer": StageInput("commands", "scope"),
    "pager": StageInput("events", "incident_id"),
    "runbook-trigger": StageInput("events", "incident_id"),
})


def stage_input_topic(names: TopicNames, stage: str) -> str:
    """Return the full name of the topic `stage` consumes.

    Raises:
        KeyError: `stage` is not a stage of the pipeline.
    """
    return getattr(names, STAGE_INPUTS[stage].topic)
