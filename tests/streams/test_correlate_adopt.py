"""A worker assigned partitions of `alerts.changes` seeds their live scopes at once, so their timers run.

The case behind it: a worker dies after correlating a site's last alerts; the survivor that takes
the site's partition must run the incident's quiet period to its auto-resolve even though no change
for that site will ever come again (tests/e2e/test_workers.py showed the incident left open).
"""
from __future__ import annotations

import asyncio
import threading

from streams.agents.correlate import CorrelationInputs, CorrelationShell
from streams.app import StreamConfig, create_app
from streams.batch_send import kafka_partition
from streams.clock import FakeClock
from streams.correlation.engine import EngineConfig
from streams.correlation.state import ScopeState
from streams.correlation.topology import Topology

PARTITIONS = 4
SCOPES = [f"site-{n}" for n in range(12)]


def stream_topics(tmp_path, prefix: str):
    """The topics of an app that never connects: the shell is driven directly."""
    _, topics = create_app(StreamConfig(bootstrap_servers=("127.0.0.1:9",), topic_prefix=prefix,
                                        partitions=PARTITIONS, data_dir=tmp_path))
    return topics


def shell(tmp_path, seeded: list[str], live_scopes=lambda: SCOPES, commands_applied=None) -> CorrelationShell:
    topics = stream_topics(tmp_path, "adopt.")

    def seed(scope: str) -> ScopeState:
        seeded.append(scope)
        return ScopeState(scope)

    inputs = CorrelationInputs(seed=seed, live_scopes=live_scopes, commands_applied=commands_applied)
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


def test_correlation_waits_for_the_seeding_of_assigned_partitions(tmp_path):
    seeded: list[str] = []

    asked: list[int] = []

    def live_scopes() -> list[str]:
        asked.append(1)
        return SCOPES

    async def scenario() -> list[str]:
        correlation = shell(tmp_path, seeded, live_scopes)
        correlation.assigned({1, 3})
        await asyncio.wait_for(correlation.settled(), 5)
        return sorted(correlation.states)

    assert asyncio.run(scenario()) == sorted(
        scope for scope in SCOPES if kafka_partition(scope.encode(), PARTITIONS) in {1, 3})
    assert len(asked) == 1, "the live scopes are read once for the whole assignment"


def test_a_revoke_stops_settling(tmp_path):
    seeded: list[str] = []
    release = threading.Event()

    def slow_scopes() -> list[str]:
        release.wait(5)
        return SCOPES

    async def scenario() -> bool:
        correlation = shell(tmp_path, seeded, slow_scopes)
        correlation.assigned({0})
        correlation.forget_scopes()
        release.set()
        await asyncio.wait_for(correlation.settled(), 5)
        await asyncio.sleep(0.05)
        return not correlation.states

    assert asyncio.run(scenario()) and seeded == []


def test_scopes_are_read_back_only_after_the_writer_applied_the_partitions_commands(tmp_path):
    """A dead worker's last commands (or this worker's own from before the rebalance) are applied first, so the
    state read back holds the incidents they open (streams/commands_applied.py)."""
    seeded: list[str] = []
    waited_for: list[set[int]] = []
    writer_done = asyncio.Event()

    async def commands_applied(partitions: set[int]) -> bool:
        waited_for.append(partitions)
        await writer_done.wait()
        return True

    async def scenario() -> tuple[list[str], list[str]]:
        correlation = shell(tmp_path, seeded, commands_applied=commands_applied)
        correlation.assigned({1, 3})
        await asyncio.sleep(0.05)
        before = list(seeded)
        writer_done.set()
        await asyncio.wait_for(correlation.settled(), 5)
        return before, sorted(correlation.states)

    before, states = asyncio.run(scenario())
    assert waited_for == [{1, 3}]
    assert before == [], "nothing is read back while the writer is behind"
    assert states == sorted(scope for scope in SCOPES if kafka_partition(scope.encode(), PARTITIONS) in {1, 3})


def test_scopes_are_still_read_back_when_the_wait_for_the_writer_fails(tmp_path):
    seeded: list[str] = []

    async def commands_applied(partitions: set[int]) -> bool:
        raise RuntimeError("an error the wait does not turn into False itself")

    async def scenario() -> list[str]:
        correlation = shell(tmp_path, seeded, commands_applied=commands_applied)
        correlation.assigned({2})
        await asyncio.wait_for(correlation.settled(), 5)
        return sorted(correlation.states)

    mine = sorted(scope for scope in SCOPES if kafka_partition(scope.encode(), PARTITIONS) == 2)
    assert asyncio.run(scenario()) == mine


def test_nothing_is_correlated_before_the_first_topology_load(tmp_path):
    """A storm in the first second after start-up waits for the topology that is still loading."""
    release = threading.Event()

    def slow_topology(known):
        release.wait(5)
        return "rev-1", Topology((), ())

    async def scenario() -> tuple[bool, str | None]:
        topics = stream_topics(tmp_path, "wait.")
        correlation = CorrelationShell(topics, FakeClock(), EngineConfig(), CorrelationInputs(topology=slow_topology))
        loading = asyncio.ensure_future(correlation.refresh_topology())
        handling = asyncio.ensure_future(correlation.handle([]))
        await asyncio.sleep(0.05)
        waited = not handling.done()
        release.set()
        await asyncio.wait_for(asyncio.gather(loading, handling), 5)
        return waited, correlation.revision

    assert asyncio.run(scenario()) == (True, "rev-1"), "the batch waited for the topology, then it was loaded"


def test_the_wait_for_a_topology_is_bounded(tmp_path):
    """A database that is away at start-up holds correlation back `topology_wait_s`, then it goes on without."""
    topics = stream_topics(tmp_path, "bound.")
    inputs = CorrelationInputs(topology=lambda known: None, topology_wait_s=0.05)
    correlation = CorrelationShell(topics, FakeClock(), EngineConfig(), inputs)

    async def scenario() -> None:
        await asyncio.wait_for(correlation.topology_ready(), 5)  # never loaded: returns after the bound
        await asyncio.wait_for(correlation.topology_ready(), 0.01)  # and does not wait again

    asyncio.run(scenario())
    assert correlation.revision is None
