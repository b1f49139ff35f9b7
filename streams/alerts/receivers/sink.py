"""I/O: `RawSink` puts one envelope on `alerts.raw` and returns only once the broker acknowledged it.

A receiver's 2xx promises the alert is in Kafka (acks=all). When the broker does not confirm
within the deadline, or too many requests are already waiting on it, the sink raises
`SinkUnavailable` and the receiver answers 503, which Alertmanager and Prometheus retry.
"""
from __future__ import annotations

import asyncio

from faust.types import TopicT

from streams.alerts.model import Envelope


class SinkUnavailable(Exception):
    """The broker did not acknowledge in time, or the receiver is at its bound of waiting requests."""


class RawSink:
    """Produces envelopes to the raw topic with a deadline and a bound on requests in flight."""

    def __init__(self, topic: TopicT, *, ack_timeout_s: float = 5.0, max_in_flight: int = 512) -> None:
        self._topic = topic
        self._ack_timeout_s = ack_timeout_s
        self._slots = asyncio.BoundedSemaphore(max_in_flight)

    async def publish(self, envelope: Envelope) -> None:
        """Send `envelope` keyed by its source and wait for the broker's acknowledgement.

        Raises:
            SinkUnavailable: on timeout, a broker error, or when `max_in_flight` requests already wait.
        """
        if self._slots.locked():
            raise SinkUnavailable("too many requests waiting for the broker; retry shortly")
        async with self._slots:
            try:
                async with asyncio.timeout(self._ack_timeout_s):
                    pending = await self._topic.send(key=envelope.source.encode(), value=envelope.to_dict())
                    await pending
            except TimeoutError as exc:
                raise SinkUnavailable(f"broker did not acknowledge within {self._ack_timeout_s:g}s") from exc
            except Exception as exc:  # any producer failure means "not stored": the sender must retry
                raise SinkUnavailable(f"broker refused the write: {type(exc).__name__}: {exc}") from exc
