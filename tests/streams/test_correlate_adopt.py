"""A worker assigned partitions of `alerts.changes` settles them: the commands already on their
`incidents.commands` partitions are applied first, then their live scopes are seeded at once, so their
timers run and correlation goes on only from a state that has every command of the previous owner.

The case behind it: a worker dies after correlating a site's last alerts; the survivor that takes
the site's partition must run the incident's quiet period to its auto-resolve even though no change
for that site will ever come again (tests/e2e/test_workers.py showed the incident left open).
"""
from __future__ import annotations

import asyncio

from streams.agents.correlate import CorrelationInputs, CorrelationShell
from streams.app import StreamConfig, create_app
from streams.batch_send import kafka_partition
from streams.clock import FakeClock
from streams.correlation.engine import EngineConfig
from streams.correlation.state import ScopeState

PARTITIONS = 4
SCOPES = [f"site-{n}" for n in range(12)]


def shell(tmp_path, seeded: list[str], commands_applied=None) -> CorrelationShell:
    _, topics = create_app(StreamConfig(bootstrap_servers=("127.0.0.1:9",), topic_prefix="adopt.",
                                        partitions=PARTITIONS, data_dir=tmp_path))

    def seed(scope: str) -> ScopeState:
        seeded.append(scope)
        return ScopeState(scope)

    inputs = CorrelationInputs(seed=seed, live_scopes=lambda: SCOPES, commands_applied=commands_applied)
    return CorrelationShell(topics, FakeClock(), EngineConfig(), inputs)


def test_only_the_live_scopes_of_the_assigned_partitions_are_seeded_and_only_once(tmp_path):
    seeded: list[str] = []
    correlation = shell(tmp_path, seeded)
    owned = {0, 2}
    mine = sorted(scope for scope in SCOPES if kafka_partition(scope.encode(), PARTITIONS) in owned)
    assert mine and len(mine) < len(SCOPES)

    assert asyncio.run(correlation.adopt(owned)) == len(mine)
    assert sorted(correlation.states) == mine == sorted(seeded)
    assert asyncio.run(correlation.adopt(owned)) == 0, "a scope already in memory is not read again"
    assert asyncio.run(correlation.adopt(set())) == 0
    assert sorted(seeded) == mine


def test_correlation_waits_for_the_commands_of_assigned_partitions_before_it_reads_their_state(tmp_path):
    seeded: list[str] = []
    applied: list[int] = []

    async def scenario() -> tuple[list[str], list[str]]:
        release = asyncio.Event()

        async def commands_applied(partition: int) -> None:
            await release.wait()
            applied.append(partition)

        correlation = shell(tmp_path, seeded, commands_applied)
        correlation.assigned({1, 3})
        waiting = asyncio.ensure_future(correlation.settled())
        await asyncio.sleep(0.05)
        before = list(seeded)
        assert not waiting.done(), "nothing is correlated before the partitions' commands are applied"
        release.set()
        await asyncio.wait_for(waiting, 5)
        return before, sorted(correlation.states)

    before, states = asyncio.run(scenario())
    assert before == [] and sorted(applied) == [1, 3]
    assert states == sorted(scope for scope in SCOPES if kafka_partition(scope.encode(), PARTITIONS) in {1, 3})


def test_a_revoke_stops_settling(tmp_path):
    seeded: list[str] = []

    async def scenario() -> bool:
        async def never(partition: int) -> None:
            await asyncio.Event().wait()

        correlation = shell(tmp_path, seeded, never)
        correlation.assigned({0})
        correlation.forget_scopes()
        await asyncio.wait_for(correlation.settled(), 5)
        return not correlation.states

    assert asyncio.run(scenario()) and seeded == []
