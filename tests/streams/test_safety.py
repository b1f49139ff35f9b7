"""The per-event guard: transient errors retried, bad events dead-lettered alone, batches fall back to one by one."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from streams.agents.safety import collect_guarded, run_batch_guarded, run_guarded
from streams.retry import RetryPolicy


class RecordingTopic:
    """Stands in for the dead-letter topic inside these unit tests: keeps what was sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send(self, *, key: bytes, value: dict[str, Any]) -> None:
        self.sent.append(value)


class Flaky(Exception):
    """A transient error for the retry policy."""


FAST_RETRY = RetryPolicy(transient=(Flaky,), attempts=3, first_delay_s=0.0, max_delay_s=0.0)


async def test_a_transient_error_is_retried_until_it_passes() -> None:
    calls: list[int] = []

    async def handler(value: Mapping[str, Any]) -> None:
        calls.append(1)
        if len(calls) < 3:
            raise Flaky("database restarting")

    dlq = RecordingTopic()
    assert await run_guarded(stage="s", value={"n": 1}, handler=handler, dlq=dlq, retry=FAST_RETRY)
    assert len(calls) == 3 and dlq.sent == []


async def test_a_transient_error_that_outlasts_the_retries_is_dead_lettered() -> None:
    async def handler(value: Mapping[str, Any]) -> None:
        raise Flaky("still down")

    dlq = RecordingTopic()
    assert not await run_guarded(stage="writer", value={"n": 1}, handler=handler, dlq=dlq, retry=FAST_RETRY)
    assert [(r["stage"], r["reason"], r["event"]) for r in dlq.sent] == [("writer", "Flaky: still down", {"n": 1})]


async def test_a_failing_batch_is_replayed_one_by_one_and_only_the_bad_event_is_dead_lettered() -> None:
    applied: list[int] = []

    async def one(value: Mapping[str, Any]) -> None:
        if value["n"] == 2:
            raise ValueError("command carries no alert")
        applied.append(value["n"])

    async def batch(values: Sequence[Mapping[str, Any]]) -> None:
        for value in values:  # all-or-nothing: validate first, as one transaction would roll back
            if value["n"] == 2:
                raise ValueError("command carries no alert")
        applied.extend(value["n"] for value in values)

    dlq = RecordingTopic()
    values = [{"n": 1}, {"n": 2}, {"n": 3}]
    await run_batch_guarded(stage="writer", values=values, batch_handler=batch, handler=one, dlq=dlq, retry=FAST_RETRY)
    assert applied == [1, 3]
    assert [r["event"] for r in dlq.sent] == [{"n": 2}]


async def test_a_good_batch_is_applied_once() -> None:
    batches: list[list[int]] = []

    async def batch(values: Sequence[Mapping[str, Any]]) -> None:
        batches.append([value["n"] for value in values])

    async def one(value: Mapping[str, Any]) -> None:
        raise AssertionError("the one-by-one path must not run for a good batch")

    dlq = RecordingTopic()
    await run_batch_guarded(stage="w", values=[{"n": 1}, {"n": 2}], batch_handler=batch, handler=one, dlq=dlq)
    assert batches == [[1, 2]] and dlq.sent == []


async def test_collect_guarded_flattens_batches_and_dead_letters_only_the_bad_item_or_record() -> None:
    async def double(value: Mapping[str, Any]) -> list[int]:
        if value["n"] == 3:
            raise KeyError("fingerprint")
        return [value["n"], value["n"]]

    dlq = RecordingTopic()
    records = [{"n": 1}, {"batch": [{"n": 2}, {"n": 3}, {"n": 4}]}, {"batch": "not a list"}, {"n": 5}]
    outputs = await collect_guarded(stage="dedupe", records=records, handler=double, dlq=dlq)
    assert outputs == [1, 1, 2, 2, 4, 4, 5, 5]
    assert [(r["stage"], r["event"]) for r in dlq.sent] == [("dedupe", {"batch": "not a list"}), ("dedupe", {"n": 3})]
    assert dlq.sent[0]["reason"] == "BadBatch: 'batch' must be a list of objects, got str"
