"""I/O: the correlate agent: `alerts.changes` (key: scope) → `incidents.commands` (key: scope).

Correlation state lives in memory, one `ScopeState` per scope this worker consumes, and is a
cache: the first change of a scope after start-up or a rebalance loads the scope's open
incidents, held and suppressed alerts from the database (`seed`, injected by the composition
root), so nothing is correlated twice and nothing is forgotten across restarts.

When partitions of `alerts.changes` are assigned, correlation first waits until the incident
writer has applied the commands already sent for them (`commands_applied`: a dead worker's last
commands, or this worker's own from before the rebalance), so the state it reads back is the
state those commands make. Then every scope of those partitions with live state in the database
(`live_scopes`) is seeded before correlation goes on, not on its next change, so the timers
of a scope taken over from a dead worker (a hold-down, an incident's quiet period before it
auto-resolves) run even if no alert for it ever comes again.

Correlation runs in event time: each change at the time its alert was received, on its scope's
clock (streams/correlation/engine.py). A timer moves every scope on to wall-clock time
(hold-downs, quiet periods, reopen windows, expired silences), but only a scope whose
`alerts.changes` partition has no backlog left (streams/partition_progress.py, against the end
offset the consumer last fetched): a worker catching up on minutes of changes correlates them
as they happened, not all at the moment it reads them.

The topology is reloaded when its revision in the database changes. Nothing is correlated before
it has been loaded once: a storm that arrived in the first second after start-up, while a large
room's topology was still loading in its thread, was grouped without it, into root-less incidents
of a lower priority than the same storm got a second later (docs/benchmarks.md §19). The wait is
bounded (`CorrelationInputs.topology_wait_s`); past it, correlation goes on without a topology
until the refresh loads one. Changes are taken a batch of records at a time; the commands they
make go out as one record per partition of `incidents.commands` (streams/records.py).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import faust
from faust.types import TP

from streams.agents.safety import collect_guarded
from streams.alerts.model import AlertChange
from streams.app import StreamTopics
from streams.batch_send import kafka_partition, send_batched
from streams.clock import Clock
from streams.correlation.commands import IncidentCommand
from streams.correlation.engine import Correlator, EngineConfig, Suppressor
from streams.correlation.state import ScopeState
from streams.correlation.topology import Topology
from streams.metrics import CORRELATION_COMMANDS, CORRELATION_HELD, CORRELATION_SCOPES, count_by_label
from streams.partition_progress import PartitionProgress
from streams.records import BATCH_WINDOW_S

#: The stage name: the agent's name, its metric label, and its key in `streams.topics.STAGE_INPUTS`.
STAGE = "correlate"
#: Records per batch (each holds one change or a batch of them, streams/records.py).
CORRELATE_BATCH = 64
log = logging.getLogger(__name__)

#: Given the revision in use, returns the current revision and its topology, or None when the revision is
#: unchanged (blocking; called in a thread). Loading is skipped then: a large room's topology takes ~1 s of
#: the interpreter to load, which every refresh used to pay (docs/benchmarks.md §15).
TopologySource = Callable[[str | None], tuple[str, Topology] | None]
#: Rebuilds one scope's state from the system of record (blocking; called in a thread).
ScopeSeed = Callable[[str], ScopeState]
#: Every scope with state in the system of record (blocking; called in a thread).
LiveScopes = Callable[[], Iterable[str]]
#: Waits until the writer applied the commands already sent for these partitions (streams/commands_applied.py).
WaitForWriter = Callable[[set[int]], Awaitable[bool]]
#: The end offset of an `alerts.changes` partition as the consumer last fetched it (None when not known).
EndOffset = Callable[[int], int | None]


@dataclass(frozen=True)
class CorrelationInputs:
    """What correlation reads besides the stream: topology, persisted state, suppressions."""

    topology: TopologySource | None = None
    seed: ScopeSeed | None = None
    live_scopes: LiveScopes | None = None
    commands_applied: WaitForWriter | None = None
    suppressor: Suppressor | None = None
    tick_interval_s: float = 0.5
    topology_refresh_s: float = 10.0
    #: At most this long, correlation waits for the first topology load before it correlates without one.
    topology_wait_s: float = 30.0
    #: After this long with nothing handled from a partition, its scopes tick even if its end offset says otherwise.
    idle_tick_s: float = 3.0


class CorrelationShell:
    """Holds the scopes' states and the engine; turns changes and ticks into sent commands.

    Without `end_offset` (a shell driven without a consumer) every scope counts as caught up,
    and the timer moves it to wall-clock time on every tick.
    """

    def __init__(
        self, topics: StreamTopics, clock: Clock, config: EngineConfig, inputs: CorrelationInputs,
        end_offset: EndOffset | None = None,
    ) -> None:
        self._topics = topics
        self._clock = clock
        self._config = config
        self._inputs = inputs
        self._end_offset = end_offset
        self._progress = PartitionProgress(inputs.idle_tick_s)
        self.revision: str | None = None
        self.correlator = Correlator(Topology((), ()), config, inputs.suppressor)
        self.states: dict[str, ScopeState] = {}
        self._lock = asyncio.Lock()
        self._settling: dict[int, asyncio.Task[int]] = {}
        self._topology_loaded = asyncio.Event()
        if inputs.topology is None:
            self._topology_loaded.set()

    async def refresh_topology(self) -> None:
        """Swap in the topology when its revision changed (engine caches are per topology)."""
        if self._inputs.topology is None:
            return
        loaded = await asyncio.to_thread(self._inputs.topology, self.revision)
        if loaded is not None:
            revision, topology = loaded
            await asyncio.to_thread(topology.precompute)
            self.revision = revision
            self.correlator = Correlator(topology, self._config, self._inputs.suppressor)
            log.info("correlation uses topology revision %s (%d components)", revision or "-",
                     len(topology.components))
        self._topology_loaded.set()

    async def topology_ready(self) -> None:
        """Return once a topology has been loaded, or `topology_wait_s` after the first wait began."""
        if self._topology_loaded.is_set():
            return
        try:
            await asyncio.wait_for(self._topology_loaded.wait(), self._inputs.topology_wait_s)
        except TimeoutError:
            log.warning("no topology loaded within %.0f s of the first change: correlating without one until the "
                        "refresh loads it", self._inputs.topology_wait_s)
            self._topology_loaded.set()

    def forget_scopes(self) -> None:
        """Drop every cached scope and stop settling (after a rebalance the database is asked again)."""
        for task in set(self._settling.values()):
            task.cancel()
        self._settling.clear()
        self._progress.forget()
        self.states.clear()
        CORRELATION_SCOPES.set(0)

    def assigned(self, partitions: set[int]) -> None:
        """Start settling the newly assigned `alerts.changes` partitions in the background (the rebalance goes on).

        One task for all of them, so the database is asked for the live scopes once per assignment.
        """
        new = partitions - self._settling.keys()
        if new:
            task = asyncio.ensure_future(self._settle(new))
            self._settling.update(dict.fromkeys(new, task))

    async def settled(self) -> None:
        """Return once every assigned partition is settled (at once, except right after an assignment)."""
        pending = {task for task in self._settling.values() if not task.done()}
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def _settle(self, partitions: set[int]) -> int:
        """Wait for the writer to apply what was sent for the partitions, then seed their live scopes.

        Returns how many scopes were seeded. A wait that fails is logged and the scopes are seeded
        anyway, as after a wait that timed out: their timers must run either way.
        """
        try:
            await self._wait_for_writer(partitions)
            return await self.adopt(partitions)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - their scopes are still seeded lazily, on their next change
            log.exception("seeding the live scopes of alerts.changes partitions %s failed; they are read on their "
                          "next change", sorted(partitions))
            return 0
        finally:
            self._progress.started(partitions, time.monotonic())

    async def _wait_for_writer(self, partitions: set[int]) -> None:
        if self._inputs.commands_applied is None:
            return
        try:
            await self._inputs.commands_applied(partitions)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the state is read as it is, as after the wait's own timeout
            log.exception("waiting for the incident writer on alerts.changes partitions %s failed; their scopes are "
                          "read as the database has them", sorted(partitions))

    async def handle(self, records: Sequence[Mapping[str, Any]], last_offsets: Mapping[int, int] | None = None) -> None:
        """Correlate a batch of `alerts.changes` records in order, then send the commands they made.

        `last_offsets` (partition -> offset of its last record in the batch) tells the timer how far
        each partition's backlog is handled.
        """
        await self.topology_ready()
        await self.settled()
        async with self._lock:
            now = self._clock.now()

            async def correlate(value: Mapping[str, Any]) -> list[IncidentCommand]:
                change = AlertChange.from_dict(value)
                return self.correlator.correlate(await self._state(change.scope), change, now)

            commands = await collect_guarded(stage=STAGE, records=records, handler=correlate, dlq=self._topics.dlq)
            await self._send(commands)
            self._progress.handled(last_offsets or {}, time.monotonic())

    async def adopt(self, partitions: set[int]) -> int:
        """Seed every live scope whose `alerts.changes` partition is in `partitions`; return how many were new."""
        if self._inputs.live_scopes is None or self._inputs.seed is None or not partitions:
            return 0
        scopes = await asyncio.to_thread(self._inputs.live_scopes)
        count = self._topics.changes.partitions or 1
        mine = sorted(scope for scope in scopes if kafka_partition(scope.encode(), count) in partitions)
        async with self._lock:
            new = [scope for scope in mine if scope not in self.states]
            for scope in new:
                await self._state(scope)
        return len(new)

    async def tick(self) -> None:
        """Move every cached scope without a backlog on to now."""
        async with self._lock:
            now, at = self._clock.now(), time.monotonic()
            for state in list(self.states.values()):
                if self._caught_up(state.scope, at):
                    await self._send(self.correlator.tick_until(state, now))
            CORRELATION_HELD.set(sum(len(state.held) for state in self.states.values()))

    def _caught_up(self, scope: str, at: float) -> bool:
        if self._end_offset is None:
            return True
        partition = kafka_partition(scope.encode(), self._topics.changes.partitions or 1)
        return self._progress.caught_up(partition, self._end_offset(partition), at)

    async def _state(self, scope: str) -> ScopeState:
        state = self.states.get(scope)
        if state is None:
            seed = self._inputs.seed
            state = await asyncio.to_thread(seed, scope) if seed else ScopeState(scope)
            self.states[scope] = state
            CORRELATION_SCOPES.set(len(self.states))
        return state

    async def _send(self, commands: list[IncidentCommand]) -> None:
        count_by_label(CORRELATION_COMMANDS, (str(command.kind) for command in commands))
        await send_batched(self._topics.commands, commands, key_of=_scope_key, encode=IncidentCommand.to_dict)


def _scope_key(command: IncidentCommand) -> bytes:
    return command.scope.encode()


def register_correlate(
    app: faust.App, topics: StreamTopics, clock: Clock, config: EngineConfig = EngineConfig(),
    inputs: CorrelationInputs = CorrelationInputs(),
) -> CorrelationShell:
    """Add the correlate agent, its tick and its topology refresh to `app`; return the shell (for tests)."""

    def end_offset(partition: int) -> int | None:
        try:
            return app.consumer.highwater(TP(topics.names.changes, partition))
        except Exception:  # noqa: BLE001 - not started, or not assigned (a rebalance): not known
            return None

    shell = CorrelationShell(topics, clock, config, inputs, end_offset)

    @app.on_partitions_revoked.connect
    async def on_revoked(app: faust.App, revoked: Any, **kwargs: Any) -> None:  # noqa: ARG001 - signal signature
        shell.forget_scopes()

    @app.on_partitions_assigned.connect
    async def on_assigned(app: faust.App, assigned: Any, **kwargs: Any) -> None:  # noqa: ARG001 - signal signature
        shell.assigned({tp.partition for tp in assigned if tp.topic == topics.names.changes})

    async def refresh_or_keep() -> None:
        try:
            await shell.refresh_topology()
        except Exception:  # noqa: BLE001 - keep the last good topology; the database may be back next time
            log.exception("loading the topology failed; keeping revision %s, trying again in %.0f s",
                          shell.revision or "-", inputs.topology_refresh_s)

    @app.task
    async def load_topology() -> None:
        await refresh_or_keep()

    @app.timer(inputs.topology_refresh_s)
    async def refresh_topology() -> None:
        await refresh_or_keep()

    @app.timer(inputs.tick_interval_s)
    async def tick() -> None:
        try:
            await shell.tick()
        except Exception:  # noqa: BLE001 - a failed tick is retried on the next one
            log.exception("correlation tick failed")

    @app.agent(topics.changes, name=STAGE)
    async def correlate_agent(stream: faust.StreamT) -> None:
        async for events in stream.take_events(CORRELATE_BATCH, within=BATCH_WINDOW_S):
            last_offsets = {event.message.partition: event.message.offset for event in events}
            await shell.handle([event.value for event in events], last_offsets)

    return shell
