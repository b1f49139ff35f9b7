"""Pure: the shape of a record on `alerts.dlq`: which stage refused what, and a reason a person can act on.

Every record carries the stage and the event that stage consumed (for `normalize`, the raw
envelope), so `alertdesk dlq replay` can send the event back to that stage's input topic
unchanged: every stage is idempotent, so a re-sent event that had partly gone through does no harm.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any, Mapping

from streams.alerts.model import Envelope
from streams.topics import STAGE_INPUTS, TopicNames, stage_input_topic


def invalid_input_record(*, envelope: Envelope, reason: str, parser: str) -> dict[str, Any]:
    """A raw input no parser could turn into alerts: the envelope as received, the parser and why."""
    return {"stage": "normalize", "reason": reason, "parser": parser, "source": envelope.source, "event": envelope.to_dict()}


def failed_event_record(*, stage: str, value: Mapping[str, Any], error: BaseException) -> dict[str, Any]:
    """An event a stage failed on: the event, the stage, the error and the end of its traceback."""
    return {
        "stage": stage,
        "reason": f"{type(error).__name__}: {error}",
        "traceback": "".join(traceback.format_exception(error))[-4000:],
        "event": dict(value),
    }


class NotReplayable(ValueError):
    """A dead-letter record that cannot be sent back: unknown stage, or no event to send."""


@dataclass(frozen=True)
class Redelivery:
    """Where a dead-lettered event goes back to: the stage's input topic, the record key, the event unchanged."""

    topic: str
    key: str
    value: Mapping[str, Any]


def redelivery(record: Mapping[str, Any], names: TopicNames) -> Redelivery:
    """Return how to re-send the event of dead-letter `record` to the stage it failed in.

    Raises:
        NotReplayable: the record names no known stage, holds no event, or the event lacks its key field.
    """
    stage = record.get("stage")
    if stage not in STAGE_INPUTS:
        raise NotReplayable(f"unknown stage {stage!r}; replayable stages are {', '.join(STAGE_INPUTS)}")
    event = record.get("event")
    if not isinstance(event, Mapping):
        raise NotReplayable(f"the {stage} record holds no event to re-send")
    key = STAGE_INPUTS[stage].key_of(event)
    if key is None:
        raise NotReplayable(f"the {stage} event has no {STAGE_INPUTS[stage].key_field!r} to key it by")
    return Redelivery(stage_input_topic(names, stage), key, dict(event))


def record_source(record: Mapping[str, Any]) -> str:
    """The alert source a dead-letter record came from, or '-' when a later stage's event does not say."""
    event = record.get("event") if isinstance(record.get("event"), Mapping) else {}
    alert = event.get("alert") if isinstance(event.get("alert"), Mapping) else {}
    return str(record.get("source") or event.get("source") or alert.get("source") or "-")
