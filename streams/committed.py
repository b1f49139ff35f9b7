"""I/O: wait until this worker's consumer group has committed a partition up to the end it had when asked.

Correlation uses it right after an assignment: the commands a dead owner put on
`incidents.commands` must be in the database before correlation reads its state back from there
(streams/agents/correlate.py). The committed offsets are the ones faust keeps for its own
partitions (`Consumer._committed_offset`, as streams/lag_sampler.py reads them); faust commits
every `broker_commit_interval` (2.8 s), so a partition with nothing left to apply is settled at
once and one with a backlog a few seconds after the writer has worked it off.
"""
from __future__ import annotations

import asyncio
import logging

import faust
from faust.types import TP

log = logging.getLogger(__name__)
#: How long the end offset may take to arrive from the broker.
END_OFFSET_TIMEOUT_S = 10.0
POLL_S = 0.1


async def committed_to_end(app: faust.App, tp: TP, *, timeout_s: float) -> bool:
    """True once the group's committed offset of `tp` reaches its end offset as of now; False after `timeout_s`.

    Also False at once when this worker does not consume `tp` (its committed offset is not known here).

    Raises:
        TimeoutError: the broker did not tell the end offset within `END_OFFSET_TIMEOUT_S`.
    """
    consumer = app.consumer
    if tp not in consumer.assignment():
        return False
    end = (await asyncio.wait_for(consumer.highwaters(tp), END_OFFSET_TIMEOUT_S))[tp]
    deadline = asyncio.get_running_loop().time() + timeout_s
    while (consumer._committed_offset.get(tp) or 0) < end:  # noqa: SLF001 - see the module doc
        if asyncio.get_running_loop().time() > deadline or tp not in consumer.assignment():
            return False
        await asyncio.sleep(POLL_S)
    return True
