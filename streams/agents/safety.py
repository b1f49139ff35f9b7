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
from typing import Any, Awaitable, Callable, Mapping

from faust.types import TopicT

from streams.dead_letter import failed_event_record
from streams.metrics import DEAD_LETTERS, STAGE_SECONDS
from streams.retry import NO_RETRY, RetryPolicy

log = logging.getLogger(__name__)


async def run_guarded(
    *,
    stage: str,
    value: Mapping[str, Any],
    handler: Callable[[Mapping[str, Any]], Awaitable[None]],
    dlq: TopicT,
    retry: RetryPolicy = NO_RETRY,
) -> bool:
    """Run `handler(value)`; retry transient errors, dead-letter the rest. Returns True on success."""
    attempt = 1
    while True:
        try:
            with STAGE_SECONDS.labels(stage).time():
                await handler(value)
            return True
        except asyncio.CancelledError:
            raise
        except retry.transient as exc:
            if attempt >= retry.attempts:
                error: BaseException = exc
                break
            log.warning("%s: transient error (attempt %d/%d), retrying: %s", stage, attempt, retry.attempts, exc)
            await asyncio.sleep(retry.delay(attempt))
            attempt += 1
        except Exception as exc:  # one bad event must not stop the stage
            error = exc
            break
    log.error("%s: event sent to the dead-letter topic: %s", stage, error)
    DEAD_LETTERS.labels(stage).inc()
    await dlq.send(key=stage.encode(), value=failed_event_record(stage=stage, value=value, error=error))
    return False
