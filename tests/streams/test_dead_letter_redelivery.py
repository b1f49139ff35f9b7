"""Dead letters go back, unchanged, to the topic of the stage that failed them, keyed as that topic is keyed."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from streams.alerts.model import Envelope
from streams.dead_letter import (
    NotReplayable,
    Redelivery,
    failed_event_record,
    invalid_input_record,
    record_source,
    redelivery,
)
from streams.topics import STAGE_INPUTS, stage_input_topic, topic_names

NAMES = topic_names("t.")
ENVELOPE = Envelope("no-such-source", datetime(2026, 1, 1, tzinfo=timezone.utc), "application/json", "{}", "env-1")
ALERT = {"fingerprint": "fp1", "source": "generic", "name": "UPSOnBattery", "location": {"site": "dc1"}}
NO_SITE = {"fingerprint": "fp2", "source": "generic", "name": "DiskFull", "location": {}}


def test_every_stage_of_the_pipeline_maps_to_the_topic_it_consumes() -> None:
    assert {stage: stage_input_topic(NAMES, stage) for stage in STAGE_INPUTS} == {
        "normalize": "t.alerts.raw",
        "dedupe": "t.alerts.normalized",
        "correlate": "t.alerts.changes",
        "incident-writer": "t.incidents.commands",
        "pager": "t.incidents.events",
        "runbook-trigger": "t.incidents.events",
    }


@pytest.mark.parametrize(
    ("record", "expected", "source"),
    [
        (invalid_input_record(envelope=ENVELOPE, reason="no parser", parser="none"),
         Redelivery("t.alerts.raw", "no-such-source", ENVELOPE.to_dict()), "no-such-source"),
        (failed_event_record(stage="normalize", value=ENVELOPE.to_dict(), error=RuntimeError("bug")),
         Redelivery("t.alerts.raw", "no-such-source", ENVELOPE.to_dict()), "no-such-source"),
        (failed_event_record(stage="dedupe", value=ALERT, error=KeyError("x")),
         Redelivery("t.alerts.normalized", "dc1", ALERT), "generic"),
        (failed_event_record(stage="dedupe", value=NO_SITE, error=KeyError("x")),
         Redelivery("t.alerts.normalized", "-", NO_SITE), "generic"),
        (failed_event_record(stage="correlate", value={"scope": "dc1", "alert": ALERT}, error=ValueError("x")),
         Redelivery("t.alerts.changes", "dc1", {"scope": "dc1", "alert": ALERT}), "generic"),
        (failed_event_record(stage="incident-writer", value={"scope": "k1", "command_id": "c"}, error=ValueError("x")),
         Redelivery("t.incidents.commands", "k1", {"scope": "k1", "command_id": "c"}), "-"),
        (failed_event_record(stage="pager", value={"incident_id": 7, "event_id": "e"}, error=ValueError("x")),
         Redelivery("t.incidents.events", "7", {"incident_id": 7, "event_id": "e"}), "-"),
    ],
)
def test_redelivery(record: dict, expected: Redelivery, source: str) -> None:
    assert redelivery(record, NAMES) == expected
    assert record_source(record) == source


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"stage": "enrich", "event": {}}, "unknown stage 'enrich'"),
        ({"reason": "x"}, "unknown stage None"),
        ({"stage": "dedupe", "event": "text"}, "the dedupe record holds no event"),
        ({"stage": "dedupe", "event": {"location": {"site": ["a"]}}}, "the dedupe event has no 'location.site'"),
        ({"stage": "correlate", "event": {"scope": {"a": 1}}}, "the correlate event has no 'scope'"),
    ],
)
def test_not_replayable(record: dict, reason: str) -> None:
    with pytest.raises(NotReplayable, match=reason):
        redelivery(record, NAMES)
