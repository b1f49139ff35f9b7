"""Pure: the shape of a record on `alerts.dlq`: which stage refused what, and a reason a person can act on."""
from __future__ import annotations

import traceback
from typing import Any, Mapping

from streams.alerts.model import Envelope


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
