"""I/O: the per-event guard every agent runs its handler in, so no agent dies on one event.

faust-streaming has open bugs that skip or repeat offsets around agent exceptions, so an
exception must never escape an agent. Transient failures (the database restarting, a broker
hiccup) are retried with capped exponential backoff, holding the partition rather than
skipping it; anything else — or a transient failure that outlasts the retries — goes to the
dead-letter topic with the stage and a reason, where `alertdesk dlq` shows it and a replay
can bring it back.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from faust.types import TopicT

from streams.dead_letter import failed_event_record
from streams.metrics import DEAD_LETTERS, STAGE_SECONDS
from streams.records import BadBatch, record_items
from streams.retry import NO_RETRY, RetryPolicy

log = logging.getLogger(__name__)
T = TypeVar("T")


async def call_with_retries(call: Callable[[], Awaitable[T]], *, stage: str, retry: RetryPolicy) -> T:
    """Await `call()`, retrying the policy's transient errors with its backoff; the last error is raised."""
    attempt = 1
    while True:
        try:
            return await call()
        except retry.transient as exc:
            if attempt >= retry.attempts:
                raise
            log.warning("%s: transient error (attempt %d/%d), retrying: %s", stage, attempt, retry.attempts, exc)
            await asyncio.sleep(retry.delay(attempt))
            attempt += 1


async def run_guarded(
    *,
    stage: str,
    value: Mapping[str, Any],
    handler: Callable[[Mapping[str, Any]], Awaitable[None]],
    dlq: TopicT,
    retry: RetryPolicy = NO_RETRY,
) -> bool:
    """Run `handler(value)`; retry transient errors, dead-letter the rest. Returns True on success."""
    try:
        with STAGE_SECONDS.labels(stage).time():
            await call_with_retries(lambda: handler(value), stage=stage, retry=retry)
        return True
    except asyncio.CancelledError:
        raise
    except Exception as error:  # one bad event must not stop the stage
        await _dead_letter(stage=stage, value=value, error=error, dlq=dlq)
        return False


async def _dead_letter(*, stage: str, value: Mapping[str, Any], error: Exception, dlq: TopicT) -> None:
    log.error("%s: event sent to the dead-letter topic: %s", stage, error)
    DEAD_LETTERS.labels(stage).inc()
    await dlq.send(key=stage.encode(), value=failed_event_record(stage=stage, value=value, error=error))


async def collect_guarded(
    *,
    stage: str,
    records: Sequence[Mapping[str, Any]],
    handler: Callable[[Mapping[str, Any]], Awaitable[Sequence[T]]],
    dlq: TopicT,
) -> list[T]:
    """Run `handler` on every item of `records` in order; return everything the successful ones produced.

    The batched stages of the alert path use this: a record holds one item or a batch
    (streams/records.py); outputs are collected and sent together (streams/batch_send.py),
    while an item that fails — or a record whose batch is malformed — is dead-lettered alone,
    as `run_guarded` would, and the rest goes on. The stage histogram records each item's share.
    """
    started = time.perf_counter()
    items = await flatten_guarded(stage=stage, records=records, dlq=dlq)
    outputs: list[T] = []
    for item in items:
        try:
            outputs.extend(await handler(item))
        except asyncio.CancelledError:
            raise
        except Exception as error:  # one bad event must not stop the stage
            await _dead_letter(stage=stage, value=item, error=error, dlq=dlq)
    _observe_share(stage, started, len(items))
    return outputs


async def flatten_guarded(*, stage: str, records: Sequence[Mapping[str, Any]], dlq: TopicT) -> list[Mapping[str, Any]]:
    """Return the items of `records` in order (streams/records.py); a record with a malformed batch is dead-lettered."""
    items: list[Mapping[str, Any]] = []
    for record in records:
        try:
            items.extend(record_items(record))
        except BadBatch as error:
            await _dead_letter(stage=stage, value=record, error=error, dlq=dlq)
    return items


def _observe_share(stage: str, started: float, count: int) -> None:
    share = (time.perf_counter() - started) / max(count, 1)
    histogram = STAGE_SECONDS.labels(stage)
    for _ in range(count):
        histogram.observe(share)


async def run_batch_guarded(
    *,
    stage: str,
    values: Sequence[Mapping[str, Any]],
    batch_handler: Callable[[Sequence[Mapping[str, Any]]], Awaitable[None]],
    handler: Callable[[Mapping[str, Any]], Awaitable[None]],
    dlq: TopicT,
    retry: RetryPolicy = NO_RETRY,
) -> None:
    """Run `batch_handler(values)` (one transaction for many events); if it fails, run each event guarded.

    The batch path is the fast one; the fallback isolates the event that failed, so only that
    one is dead-lettered. `batch_handler` must be all-or-nothing (one transaction), which is
    what makes re-running the events one by one safe. The stage histogram records each event's
    share of the batch time.
    """
    started = time.perf_counter()
    try:
        await call_with_retries(lambda: batch_handler(values), stage=stage, retry=retry)
    except asyncio.CancelledError:
        raise
    except Exception as error:
        log.warning("%s: batch of %d failed (%s); processing its events one by one", stage, len(values), error)
        for value in values:
            await run_guarded(stage=stage, value=value, handler=handler, dlq=dlq, retry=retry)
        return
    _observe_share(stage, started, len(values))
