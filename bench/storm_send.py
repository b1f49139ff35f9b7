"""I/O: send a storm schedule (bench/storm_plan.py) open loop to `/api/v2/alerts` of one or more servers.

Each POST goes out at its scheduled time without waiting for earlier answers, round-robin over
the URLs (several workers behind a load balancer); a 5xx or a failed request is retried after
200 ms, up to 50 times, like Prometheus retrying its Alertmanagers. Every request has a 60-s
timeout.
"""
from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

import aiohttp

from bench.storm_plan import Post, StormAlert, alerts_of, body

RETRIES = 50
RETRY_PAUSE_S = 0.2
REQUEST_TIMEOUT_S = 60


async def send(urls: list[str], alerts: list[StormAlert], posts: list[Post], sent_at: dict,
               progress: list[int]) -> dict:
    """POST `posts` on schedule; record each alert's first send time in `sent_at` ((alertname, instance) -> unix time).

    `progress[0]` counts the alerts sent over every call (the RSS samples say how far the storm was).
    """
    stats = {"posts": 0, "retries": 0, "failed": 0, "alerts_accepted": 0}
    last_answer = [0.0]
    starts_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    tasks: set[asyncio.Task] = set()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)) as session:

        async def post(url: str, batch: list[StormAlert]) -> None:
            data = body(batch, starts_at)
            for _ in range(RETRIES):
                try:
                    async with session.post(url, data=data, headers={"content-type": "application/json"}) as r:
                        await r.read()
                        if r.status < 300:
                            stats["posts"] += 1
                            stats["alerts_accepted"] += len(batch)
                            last_answer[0] = time.monotonic()
                            return
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    pass
                stats["retries"] += 1
                await asyncio.sleep(RETRY_PAUSE_S)
            stats["failed"] += 1

        t0 = time.monotonic()
        for i, planned in enumerate(posts):
            await asyncio.sleep(max(0.0, t0 + planned.at_s - time.monotonic()))
            batch = alerts_of(alerts, planned)
            now = time.time()
            for name, instance, _ in batch:
                sent_at.setdefault((name, instance), now)
            progress[0] += len(batch)
            task = asyncio.create_task(post(urls[i % len(urls)], batch))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        stats["send_window_s"] = round(time.monotonic() - t0, 2)
        await asyncio.gather(*tasks)
    answered_s = last_answer[0] - t0
    stats["accepted_alerts_per_s"] = round(stats["alerts_accepted"] / answered_s, 1) if answered_s > 0 else None
    return stats
