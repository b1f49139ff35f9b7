"""I/O: the one module that uses kafka-python — readiness, topic admin, CLI producers, raw reads.

Stream I/O is faust's (aiokafka); this is blocking and short-lived, for the CLI, the embedded broker
and tests. Every call has a timeout and every retry a capped backoff: a dead broker is a clear error,
not a hang. `read_topic` uses no consumer group (tansu makes kafka-python's group join take ~23 s).
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka import errors as kafka_errors

_BACKOFF_FIRST_S, _BACKOFF_CAP_S = 0.05, 1.0
_ALREADY_EXISTS = kafka_errors.TopicAlreadyExistsError.errno


class TopicSetupError(RuntimeError):
    """A topic cannot be created as asked (refused, or it exists with other partitions)."""


class ProduceError(RuntimeError):
    """The broker did not acknowledge a record in time, or refused it."""


@dataclass(frozen=True)
class TopicSpec:
    """A topic to exist: name, partition count, replication factor and topic configs."""

    name: str
    partitions: int
    replication: int = 1
    config: Mapping[str, str] = field(default_factory=dict)


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _retry(what: str, attempt: Callable[[float], None], timeout: float) -> None:
    """Call `attempt(seconds_left)` until it returns, backing off (capped) on retriable Kafka errors."""
    deadline, delay = time.monotonic() + timeout, _BACKOFF_FIRST_S
    while True:
        try:
            return attempt(max(deadline - time.monotonic(), 0.1))
        except kafka_errors.KafkaError as exc:
            left = deadline - time.monotonic()
            if not exc.retriable:
                raise
            if left <= 0:
                raise TimeoutError(f"{what}: not done in {timeout:.1f}s: {exc}") from exc
            time.sleep(min(delay, left))
            delay = min(delay * 2, _BACKOFF_CAP_S)


def _admin(bootstrap: str, timeout: float) -> KafkaAdminClient:
    ms = _ms(timeout)
    return KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=ms, bootstrap_timeout_ms=ms)


def wait_until_ready(bootstrap: str, timeout: float = 30.0) -> None:
    """Block until the broker at `bootstrap` ("host:port") answers a Kafka metadata request.

    Raises:
        TimeoutError: it did not answer within `timeout` seconds.
    """
    # Constructing the admin client bootstraps: one metadata round trip.
    _retry(f"broker {bootstrap}", lambda left: _admin(bootstrap, left).close(), timeout)


def ensure_topics(bootstrap: str, specs: Sequence[TopicSpec], timeout: float = 30.0) -> None:
    """Create the missing topics on `bootstrap`, then verify all exist with their partition counts.

    Idempotent; `timeout` (seconds) covers the whole call, retries while the broker warms up included.

    Raises:
        TopicSetupError: a topic exists with another partition count, or the broker refused one.
        TimeoutError: the broker was unreachable or the topics did not appear in time.
    """
    if specs:
        _retry(f"topics on {bootstrap}", lambda left: _create_and_verify(bootstrap, specs, left), timeout)


def _create_and_verify(bootstrap: str, specs: Sequence[TopicSpec], timeout: float) -> None:
    wanted = {s.name: {"num_partitions": s.partitions, "replication_factor": s.replication,
                       "configs": dict(s.config)} for s in specs}
    with _admin(bootstrap, timeout) as admin:
        for topic in admin.create_topics(wanted, timeout_ms=_ms(timeout), raise_errors=False)["topics"]:
            if topic["error_code"] not in (0, _ALREADY_EXISTS):
                error = kafka_errors.for_code(topic["error_code"])
                if error.retriable:  # e.g. the broker is still electing; try again
                    raise error(topic["error_message"])
                reason = topic["error_message"] or error.__name__
                raise TopicSetupError(f"cannot create topic {topic['name']!r}: {reason}")
        described = {t["name"]: t for t in admin.describe_topics(list(wanted))}
    for spec in specs:
        topic = described.get(spec.name)
        if topic is None or topic["error_code"] != 0 or not topic["partitions"]:
            raise kafka_errors.UnknownTopicOrPartitionError(f"{spec.name} not in metadata yet")
        if len(topic["partitions"]) != spec.partitions:
            raise TopicSetupError(f"topic {spec.name!r} has {len(topic['partitions'])} partitions, wanted "
                                  f"{spec.partitions}; partition counts are never changed automatically")


class RawProducer:
    """A blocking JSON producer for the CLI: each send waits for the broker's ack (acks=all)."""

    def __init__(self, bootstrap: str, *, timeout: float = 10.0, client_id: str = "alertdesk-cli") -> None:
        """Connect to `bootstrap`; `timeout` bounds the connection and each send (ProduceError if not)."""
        self._bootstrap, self._timeout, ms = bootstrap, timeout, _ms(timeout)
        try:
            self._producer = KafkaProducer(
                bootstrap_servers=bootstrap, client_id=client_id, acks="all",
                linger_ms=0,  # each send waits for its ack, so nothing could batch: lingering only adds delay
                request_timeout_ms=ms, delivery_timeout_ms=ms, max_block_ms=ms, bootstrap_timeout_ms=ms,
                allow_auto_create_topics=False,  # a typo'd topic must fail loudly, not appear
            )
        except kafka_errors.KafkaError as exc:
            raise ProduceError(f"cannot connect to {bootstrap} within {timeout:.1f}s: {exc}") from exc

    def send_json(self, topic: str, key: str, value: Mapping[str, Any]) -> None:
        """Send one JSON record keyed by `key` (UTF-8) and wait for the broker's ack.

        Raises:
            ProduceError: no ack within the timeout (unknown topic included) or refused. After a
                timeout the record may still land: resending it is safe, consumers are idempotent.
        """
        payload = json.dumps(value, separators=(",", ":")).encode()
        try:
            self._producer.send(topic, key=key.encode(), value=payload).get(timeout=self._timeout)
        except kafka_errors.KafkaError as exc:
            raise ProduceError(f"{self._bootstrap} did not ack a record for {topic!r} "
                               f"within {self._timeout:.1f}s: {exc}") from exc

    def close(self) -> None:
        """Release the connection, waiting at most the timeout for records in flight."""
        self._producer.close(timeout=self._timeout)


def read_topic(bootstrap: str, topic: str, *, timeout: float = 10.0,
               max_messages: int | None = None) -> list[dict[str, Any]]:
    """Read all partitions of `topic` from the start to its end as of the call, without a consumer group.

    `timeout` (seconds) bounds the whole read; `max_messages` stops early and returns that many.

    Returns:
        One dict per record, ordered by (partition, offset): `key` (str or None), `partition`,
        `offset`, `value` (decoded JSON).

    Raises:
        LookupError: the topic does not exist.
        TimeoutError: the broker was unreachable or the end was not reached within `timeout`.
        ValueError: a record's value is not JSON.
    """
    deadline = time.monotonic() + timeout
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, client_id="alertdesk-reader", group_id=None,
            enable_auto_commit=False, allow_auto_create_topics=False,
            fetch_max_wait_ms=100,  # tansu holds a fetch this long even when data is waiting
            request_timeout_ms=max(_ms(timeout), 1000), bootstrap_timeout_ms=_ms(timeout),
        )
    except kafka_errors.KafkaError as exc:
        raise TimeoutError(f"cannot read {topic!r}: no answer from {bootstrap}: {exc}") from exc
    try:
        records = _read_to_end(consumer, topic, deadline, max_messages)
    finally:
        consumer.close(autocommit=False, timeout_ms=1000)
    return sorted(records, key=lambda r: (r["partition"], r["offset"]))[:max_messages]


def _read_to_end(consumer: KafkaConsumer, topic: str, deadline: float, limit: int | None) -> list[dict]:
    partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        raise LookupError(f"topic {topic!r} does not exist")
    tps = [TopicPartition(topic, p) for p in sorted(partitions)]
    consumer.assign(tps)
    consumer.seek_to_beginning()
    ends = consumer.end_offsets(tps, timeout_ms=_ms(max(deadline - time.monotonic(), 0.1)))
    records: list[dict[str, Any]] = []
    behind = {tp for tp in tps if ends[tp] > 0}
    while behind and (limit is None or len(records) < limit):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"read {len(records)} records of {topic!r}; partitions "
                               f"{sorted(tp.partition for tp in behind)} not read to the end in time")
        for tp, batch in consumer.poll(timeout_ms=_ms(min(left, 0.5))).items():
            records.extend(_decode(r) for r in batch if r.offset < ends[tp])
        behind = {tp for tp in behind if consumer.position(tp, timeout_ms=1000) < ends[tp]}
    return records


def _decode(r: Any) -> dict[str, Any]:
    key = None if r.key is None else r.key.decode()
    return {"key": key, "partition": r.partition, "offset": r.offset, "value": json.loads(r.value)}
