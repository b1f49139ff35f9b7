"""/readyz's checks on a real faust app that is not running: each reason in turn (the ready path: tests/e2e/test_workers.py)."""
from __future__ import annotations

import asyncio

from sqlalchemy import create_engine

from alertdesk.readiness import Readiness
from streams.app import StreamConfig, create_app


def test_not_ready_says_why_in_order_consumer_then_rebalance_then_database_then_broker(tmp_path):
    app, topics = create_app(StreamConfig(bootstrap_servers=("127.0.0.1:1",), topic_prefix="t.", partitions=2, data_dir=tmp_path))
    reachable = create_engine(f"sqlite:///{tmp_path / 'ok.db'}")
    unreachable = create_engine(f"sqlite:///{tmp_path / 'missing' / 'no.db'}")  # its folder does not exist
    readiness = Readiness(app, unreachable, topics.names.raw, timeout_s=0.5)
    with_database = Readiness(app, reachable, topics.names.raw, timeout_s=0.5)

    async def reasons() -> list[str | None]:
        found = [await readiness.reason()]
        await app.on_partitions_assigned.send(set())  # the group took the worker in (with no partition)
        app.rebalancing = True
        found.append(await readiness.reason())
        app.rebalancing = False
        found += [await readiness.reason(), await with_database.reason()]
        return found

    not_assigned, rebalancing, database, broker = asyncio.run(reasons())
    assert not_assigned.startswith("consumer not assigned")
    assert rebalancing.startswith("consumer group rebalancing")
    assert database.startswith("database unreachable")
    assert broker == "broker unreachable: no end offset of t.alerts.raw within 0.5s"
    assert readiness.partitions() == ()
