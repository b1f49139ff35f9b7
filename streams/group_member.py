"""I/O: this worker's member id in its Kafka consumer group, and asking the group coordinator to drop a dead member.

Kafka's group protocol lets any client send LeaveGroup for a member id; the coordinator then
removes that member and rebalances at once, instead of waiting for its session to time out.
`alertdesk.member_reaper` uses it for workers that have stopped heartbeating in the database,
because the embedded broker (tansu 0.6) sometimes keeps a SIGKILLed member for minutes
(docs/workers.md). The member id is read from faust's aiokafka consumer, which faust itself
reads the same way (its consumer thread's coordinator); no public API exposes it.
"""
from __future__ import annotations

import asyncio
from collections.abc import Sequence

import faust
from aiokafka import AIOKafkaClient
from aiokafka.protocol.group import LeaveGroupRequest

#: LeaveGroup's answer for a member the coordinator no longer has (it expired or left by itself).
UNKNOWN_MEMBER_ID = 25
_GROUP_COORDINATOR = 0


def current_member_id(app: faust.App) -> str | None:
    """This worker's member id in its group, or None before it has joined (or while its consumer is not running)."""
    try:
        member_id = app.consumer._thread._ensure_consumer()._coordinator.member_id  # noqa: SLF001 - see module doc
    except Exception:  # noqa: BLE001 - no consumer yet (starting, stopping): not a member of anything
        return None
    return member_id or None


async def leave_on_behalf(bootstrap_servers: Sequence[str], group: str, member_id: str, *, timeout_s: float) -> int:
    """Ask `group`'s coordinator to remove `member_id`; return Kafka's error code (0, or UNKNOWN_MEMBER_ID if gone).

    Raises:
        TimeoutError: the broker did not answer within `timeout_s` (connect, coordinator look-up, leave).
        kafka errors: the broker could not be reached or refused the request.
    """
    client = AIOKafkaClient(bootstrap_servers=list(bootstrap_servers), request_timeout_ms=int(timeout_s * 1000))
    try:
        async with asyncio.timeout(timeout_s):
            await client.bootstrap()
            coordinator = await client.coordinator_lookup(_GROUP_COORDINATOR, group)
            response = await client.send(coordinator, LeaveGroupRequest(group, member_id))
        return int(response.error_code)
    finally:
        await client.close()
