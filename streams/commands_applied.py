"""I/O: wait until the incident writer has applied every command already on some `incidents.commands` partitions.

Why: correlation's state is a cache of the database (streams/agents/correlate.py), read back
after every rebalance. Commands that correlation sent before the rebalance, on this worker or
on one that died, may still be on `incidents.commands` and not applied yet: state read back
then lacks their incidents, and the alerts correlation replays are grouped afresh. Seen that
way: a second open incident for one group (`uq_incidents_open_group`), and a PDU's servers in an
incident of their own (docs/workers.md). Commands are keyed by scope as `alerts.changes` is,
with as many partitions, so `alerts.changes` partition p sends to `incidents.commands`
partition p. Before correlation reads back the scopes of partition p, it waits here until the
writers' consumer group has committed `incidents.commands` p up to the end offset it had when
the wait began. Only the owner of `alerts.changes` p sends to that partition, and a rebalance
has just stopped the old owner. The group commits every `broker_commit_interval` (faust: 2.8 s),
so a wait takes about that long. It gives up after `timeout_s`, because a writer that cannot
reach the database must not stop correlation for good; the scopes are then read as they are,
and a warning says so.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

import faust
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from faust.types import TP

from streams.lag import Partition, consumer_lags

log = logging.getLogger(__name__)
#: How long correlation waits for the writer after a rebalance before it reads the database as it is.
APPLIED_TIMEOUT_S = 60.0
#: Between two looks at the group's committed offsets.
POLL_INTERVAL_S = 0.5
#: One offsets request, at most.
REQUEST_TIMEOUT_S = 10.0


class CommandsApplied:
    """Waits for the group's committed offsets on `incidents.commands` partitions to reach their end."""

    def __init__(
        self,
        app: faust.App,
        *,
        bootstrap_servers: Sequence[str],
        topic: str,
        timeout_s: float = APPLIED_TIMEOUT_S,
        poll_interval_s: float = POLL_INTERVAL_S,
    ) -> None:
        self._app = app
        self._bootstrap_servers = list(bootstrap_servers)
        self._topic = topic
        self._timeout_s = timeout_s
        self._poll_interval_s = poll_interval_s

    async def wait(self, partitions: set[int]) -> bool:
        """Return True once every command now on `partitions` is applied.

        Returns False, with a warning logged, after the timeout or when the broker cannot answer.
        Correlation then reads the database as it is.
        """
        if not partitions:
            return True
        tps = [TopicPartition(self._topic, number) for number in sorted(partitions)]
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self._bootstrap_servers, request_timeout_ms=int(REQUEST_TIMEOUT_S * 1000)
        )
        try:
            await asyncio.wait_for(admin.start(), REQUEST_TIMEOUT_S)
            return await self._poll(admin, tps)
        except (KafkaError, OSError, TimeoutError) as exc:
            log.warning("could not tell whether the incident writer applied %s (%s: %s); correlation reads the "
                        "database as it is", _names(tps), type(exc).__name__, exc)
            return False
        finally:
            await admin.close()

    async def _poll(self, admin: AIOKafkaAdminClient, tps: list[TopicPartition]) -> bool:
        deadline = time.monotonic() + self._timeout_s
        faust_tps = [TP(tp.topic, tp.partition) for tp in tps]
        ends = await self._offsets(self._app.consumer.highwaters, faust_tps)
        earliest = await self._offsets(self._app.consumer.earliest_offsets, faust_tps)
        while True:
            behind = await self._behind(admin, tps, ends, earliest)
            if not behind:
                return True
            if time.monotonic() >= deadline:
                log.warning("the incident writer has not applied %s after %.0f s; correlation reads the "
                            "database as it is", _names(behind), self._timeout_s)
                return False
            await asyncio.sleep(self._poll_interval_s)

    async def _behind(
        self, admin: AIOKafkaAdminClient, tps: list[TopicPartition],
        ends: dict[Partition, int], earliest: dict[Partition, int],
    ) -> list[Partition]:
        """The partitions whose committed offset is still short of `ends`."""
        found = await asyncio.wait_for(
            admin.list_consumer_group_offsets(self._app.conf.id, partitions=tps), REQUEST_TIMEOUT_S
        )
        committed: dict[Partition, int | None] = {}
        for tp in tps:
            offset = found[tp].offset if tp in found else -1
            committed[Partition(tp.topic, tp.partition)] = offset if offset >= 0 else None
        return [lag.partition for lag in consumer_lags(committed, ends, earliest) if lag.lag > 0]

    @staticmethod
    async def _offsets(read, tps: list[TP]) -> dict[Partition, int]:
        """End or earliest offsets through the worker's own consumer (`highwaters`, `earliest_offsets`)."""
        found = await asyncio.wait_for(read(*tps), REQUEST_TIMEOUT_S)
        return {Partition(tp.topic, tp.partition): offset for tp, offset in found.items()}


def _names(partitions) -> str:
    return ", ".join(f"{p.topic}/{p.partition}" for p in partitions)
