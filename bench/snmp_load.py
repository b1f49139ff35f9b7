"""I/O: load alertdesk's SNMP trap receiver with pysnmp's asyncio sender and count what it accepted from /metrics.

A trap has no answer, so there is no per-trap latency and no error count: what the receiver took
is read from `alertdesk_snmp_traps_total{outcome}` — `received` (pysnmp accepted the community and
decoded it), `published` (the broker acknowledged its envelope on `alerts.raw`, the same point at
which an HTTP source answers 2xx) and `dropped` (its bounded queue was full). Sent minus received
is what the kernel dropped (UDP receive buffer full) or pysnmp refused.

Two ways to send, both v2c traps from `source_loads.ups_trap`:

* closed loop (`rate` 0): `conns` senders, each awaiting `send_notification` before the next
  trap. pysnmp resolves a trap's future as soon as the datagram is handed to the socket, so this
  is "as fast as this process can encode traps", limited by the sender's own CPU.
* open loop (`rate` > 0): traps due every 10 ms at `rate` per second, sent without waiting for
  anything; the result says how far the sender fell behind schedule.
"""
from __future__ import annotations

import asyncio
import time
from typing import Callable

import aiohttp
from pysnmp.hlapi.v3arch.asyncio import CommunityData, ContextData, SnmpEngine, UdpTransportTarget, send_notification
from pysnmp.proto import rfc1902

from bench import common
from bench.source_loads import ups_trap

COMMUNITY = "bench-traps"
OUTCOMES = ("received", "published", "dropped")
TICK_S = 0.01
DRAIN_POLL_S = 0.5


def _varbinds(n: int) -> list[tuple[str, object]]:
    return [(oid, getattr(rfc1902, kind)(value)) for oid, kind, value in ups_trap(n)]


async def _trap_counts(session: aiohttp.ClientSession, base: str) -> tuple[dict[str, float], float]:
    """`alertdesk_snmp_traps_total` by outcome, and the monotonic time halfway through the scrape."""
    t0 = time.monotonic()
    async with session.get(base + "/metrics") as resp:
        samples = common.parse_metrics(await resp.text())
    at = (t0 + time.monotonic()) / 2
    return {o: samples.get(f'alertdesk_snmp_traps_total{{outcome="{o}"}}', 0.0) for o in OUTCOMES}, at


async def trap_loop(base: str, port: int, *, conns: int, rate: float, duration: float, warmup: float, drain: float,
                    meter_start: Callable[[], None], meter_stop: Callable[[], dict]) -> dict:
    """Send traps to 127.0.0.1:`port` for `duration` s; rates are over the window after `warmup`.

    After sending, waits up to `drain` s for the receiver to publish what it received.
    """
    engine = SnmpEngine()
    target = await UdpTransportTarget.create(("127.0.0.1", port), timeout=1, retries=0)
    auth, context = CommunityData(COMMUNITY, mpModel=1), ContextData()
    t_start = time.monotonic()
    t_warm, t_end = t_start + warmup, t_start + duration
    sent = {"all": 0, "window": 0}
    behind = [0.0]

    async def send() -> None:
        n = sent["all"]
        sent["all"] += 1
        await send_notification(engine, auth, target, context, "trap", *_varbinds(n), lookupMib=False)
        if t_warm <= time.monotonic() < t_end:
            sent["window"] += 1

    async def closed_sender() -> None:
        while time.monotonic() < t_end:
            await send()

    async def open_sender() -> None:
        due = t_start
        while (now := time.monotonic()) < t_end:
            behind[0] = max(behind[0], now - due - TICK_S)
            while due <= now:
                await send()
                due += 1 / rate
            await asyncio.sleep(min(TICK_S, max(0.0, due - time.monotonic())))

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        senders = [open_sender()] if rate > 0 else [closed_sender() for _ in range(conns)]
        sending = asyncio.gather(*senders)
        await asyncio.sleep(max(0.0, t_warm - time.monotonic()))
        meter_start()
        before, at0 = await _trap_counts(session, base)
        await sending
        cpu = meter_stop()
        after, at1 = await _trap_counts(session, base)
        deadline = time.monotonic() + drain
        drained = after
        while time.monotonic() < deadline:  # until nothing new arrives and the receiver's queue is empty
            await asyncio.sleep(DRAIN_POLL_S)
            previous, (drained, _) = drained, await _trap_counts(session, base)
            if drained["received"] == previous["received"] == drained["published"] + drained["dropped"]:
                break
    engine.close_dispatcher()
    window = at1 - at0
    per_s = {o: round((after[o] - before[o]) / window, 1) for o in OUTCOMES}
    return {
        "mode": f"open loop {rate:g}/s" if rate > 0 else f"closed loop, {conns} senders",
        "alerts_per_s": per_s["published"],
        "requests_per_s": round(sent["window"] / (t_end - t_warm), 1),
        "traps_per_s_in_window": per_s,
        "traps_sent_total": sent["all"],
        "traps_after_drain": drained,
        "traps_lost_udp_or_refused": sent["all"] - drained["received"],
        "traps_not_published_after_drain": drained["received"] - drained["published"] - drained["dropped"],
        "sender_max_behind_schedule_s": round(behind[0], 3) if rate > 0 else None,
        "latency_ms": {"p50": None, "p99": None, "max": None},
        "non_2xx": None,
        "cpu_pct": cpu,
    }
