"""I/O: faust's aiokafka transport with the consumer's `fetch_max_wait_ms` as a setting.

faust-streaming 0.15 hard-codes `fetch_max_wait_ms=1500` for its worker consumer. On tansu
a Fetch is answered only when that wait expires, not when data arrives, so every hop costs
up to 0.75 s on average (measured in ../shared/research/perf-anchors.md). This driver is
registered under the URL scheme `alertdesk://` (entry point `faust.transports`) and reads the
wait from the broker URL's query, e.g. `alertdesk://127.0.0.1:9092?fetch_max_wait_ms=10`.

faust builds the aiokafka consumer in one long method with no hook for this value, so the
subclass lets faust build it and then sets the consumer's stored setting before `start()`
creates the fetcher from it. `fetch_wait_applied` is checked by a test against a running
consumer, so an aiokafka release that renames the attribute fails CI instead of silently
bringing the 1.5 s back.
"""
from __future__ import annotations

from typing import Any

import aiokafka
from faust.transport.drivers import aiokafka as faust_aiokafka

DEFAULT_FETCH_MAX_WAIT_MS = 10


def fetch_max_wait_from_url(urls: list[Any]) -> int:
    """Read `fetch_max_wait_ms` from the first broker URL's query, or the default.

    Raises:
        ValueError: if the value is not a positive integer.
    """
    raw = urls[0].query.get("fetch_max_wait_ms") if urls else None
    if raw is None:
        return DEFAULT_FETCH_MAX_WAIT_MS
    value = int(raw)
    if value <= 0:
        raise ValueError(f"fetch_max_wait_ms must be a positive integer, got {raw!r}")
    return value


def fetch_wait_applied(consumer: aiokafka.AIOKafkaConsumer) -> int:
    """Return the fetch wait a started aiokafka consumer's fetcher really uses."""
    return consumer._fetcher._fetch_max_wait_ms


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """The faust consumer thread, with the fetch wait taken from the transport URL."""

    def _create_worker_consumer(self, transport: "Transport") -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = fetch_max_wait_from_url(transport.url)
        return consumer


class Consumer(faust_aiokafka.Consumer):
    """The faust aiokafka consumer, using `ConsumerThread`."""

    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    """faust's aiokafka transport with a configurable consumer fetch wait."""

    Consumer = Consumer
