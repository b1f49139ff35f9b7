"""The member reaper on a real broker and database: a worker silent in the database loses its group member.

A real aiokafka consumer stands in for the dead worker's membership (its member id is what the
coordinator knows); its liveness row is written as if it had stopped 60 s ago. One round of the
surviving worker's timer must ask the coordinator to drop that member (afterwards DescribeGroups
no longer lists it), delete the row, and write the survivor's own row.
"""
from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import faust
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import select

from alertdesk.member_liveness import Liveness
from alertdesk.member_models import WorkerMember
from alertdesk.member_reaper import register_member_reaper
from streams.clock import SystemClock

LIVENESS = Liveness(interval=timedelta(seconds=1), stale_after=timedelta(seconds=30))


def rows(sessions) -> dict[str, WorkerMember]:
    with sessions() as session:
        return {row.worker_key: row for row in session.scalars(select(WorkerMember))}


async def joined_member(bootstrap: str, group: str, topic: str) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, session_timeout_ms=6000,
                                heartbeat_interval_ms=2000)
    await consumer.start()
    await consumer.getmany(timeout_ms=3000)
    return consumer


def test_a_worker_silent_past_the_stale_time_loses_its_member_and_its_row(embedded_broker, migrated_db):
    _, sessions = migrated_db
    bootstrap, group, clock = embedded_broker.bootstrap_servers, f"reaper-{uuid.uuid4().hex[:8]}", SystemClock()
    app = faust.App(group, broker=f"kafka://{bootstrap}")
    round_of_timer = register_member_reaper(app, sessions, clock, bootstrap_servers=[bootstrap], liveness=LIVENESS)

    async def members() -> set[str]:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
        await admin.start()
        try:
            (described,) = await admin.describe_consumer_groups([group])
            return {member[0] for _, _, _, _, _, members in described.groups for member in members}
        finally:
            await admin.close()

    async def scenario() -> tuple[str, set[str], set[str]]:
        dead = await joined_member(bootstrap, group, f"{group}-topic")
        member_id = dead._coordinator.member_id
        try:
            with sessions() as session, session.begin():
                long_ago = clock.now() - timedelta(seconds=60)
                session.add(WorkerMember(worker_key="dead", group_id=group, member_id=member_id, host="h", pid=7,
                                         started_at=long_ago, seen_at=long_ago))
                session.add(WorkerMember(worker_key="slow", group_id=group, member_id=None, host="h", pid=8,
                                         started_at=long_ago, seen_at=clock.now() - timedelta(seconds=10)))
            before = await members()
            await round_of_timer()
            return member_id, before, await members()
        finally:
            await dead.stop()

    member_id, before, after = asyncio.run(scenario())
    assert member_id in before and member_id not in after, "the coordinator dropped the dead worker's member"
    left = rows(sessions)
    assert "dead" not in left and "slow" in left, "only the worker past the stale time is forgotten"
    (me,) = [row for key, row in left.items() if key != "slow"]
    assert me.group_id == group and me.member_id is None  # this app never joined: no member id yet


def test_a_worker_that_writes_again_keeps_its_row(migrated_db):
    _, sessions = migrated_db
    clock = SystemClock()
    app = faust.App(f"reaper-{uuid.uuid4().hex[:8]}", broker="kafka://127.0.0.1:9")
    round_of_timer = register_member_reaper(app, sessions, clock, bootstrap_servers=["127.0.0.1:9"], liveness=LIVENESS)
    asyncio.run(round_of_timer())
    first = rows(sessions)
    asyncio.run(round_of_timer())
    second = rows(sessions)
    assert first.keys() == second.keys() and len(second) == 1
    (key,) = second
    assert second[key].seen_at >= first[key].seen_at
