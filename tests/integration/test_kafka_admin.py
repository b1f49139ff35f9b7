"""Topic admin, CLI producer and group-less reads against the real embedded broker."""
from __future__ import annotations

import time
import uuid

import pytest
from kafka import KafkaAdminClient

from streams.broker import EmbeddedBroker
from streams.kafka_admin import (
    ProduceError,
    RawProducer,
    TopicSetupError,
    TopicSpec,
    ensure_topics,
    read_topic,
    wait_until_ready,
)

pytestmark = pytest.mark.broker


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _partition_counts(bootstrap: str, names: list[str]) -> dict[str, int]:
    with KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000) as admin:
        return {t["name"]: len(t["partitions"]) for t in admin.describe_topics(names)}


def test_ensure_topics_twice_is_idempotent_with_right_partition_counts(embedded_broker: EmbeddedBroker) -> None:
    specs = [TopicSpec(_name("admin-a"), 4), TopicSpec(_name("admin-b"), 1, config={"cleanup.policy": "compact"})]

    ensure_topics(embedded_broker.bootstrap_servers, specs, timeout=10)
    ensure_topics(embedded_broker.bootstrap_servers, specs, timeout=10)

    counts = _partition_counts(embedded_broker.bootstrap_servers, [s.name for s in specs])
    assert counts == {specs[0].name: 4, specs[1].name: 1}


def test_ensure_topics_refuses_an_existing_topic_with_other_partitions(embedded_broker: EmbeddedBroker) -> None:
    name = _name("admin-mismatch")
    ensure_topics(embedded_broker.bootstrap_servers, [TopicSpec(name, 2)], timeout=10)

    with pytest.raises(TopicSetupError, match="has 2 partitions, wanted 3"):
        ensure_topics(embedded_broker.bootstrap_servers, [TopicSpec(name, 3)], timeout=10)


def test_raw_producer_and_read_topic_round_trip(embedded_broker: EmbeddedBroker) -> None:
    topic = _name("admin-roundtrip")
    ensure_topics(embedded_broker.bootstrap_servers, [TopicSpec(topic, 3)], timeout=10)
    producer = RawProducer(embedded_broker.bootstrap_servers, timeout=5)
    try:
        for i in range(30):
            producer.send_json(topic, f"rack-{i % 5}", {"seq": i, "rack": f"rack-{i % 5}"})
    finally:
        producer.close()

    records = read_topic(embedded_broker.bootstrap_servers, topic, timeout=10)

    assert sorted(r["value"]["seq"] for r in records) == list(range(30))
    assert all(r["key"] == r["value"]["rack"] for r in records)
    for key in {r["key"] for r in records}:
        same_key = [r for r in records if r["key"] == key]
        assert len({r["partition"] for r in same_key}) == 1
        assert [r["value"]["seq"] for r in same_key] == sorted(r["value"]["seq"] for r in same_key)
    assert len(read_topic(embedded_broker.bootstrap_servers, topic, timeout=10, max_messages=7)) == 7


def test_read_topic_of_an_empty_topic_returns_nothing(embedded_broker: EmbeddedBroker) -> None:
    topic = _name("admin-empty")
    ensure_topics(embedded_broker.bootstrap_servers, [TopicSpec(topic, 2)], timeout=10)

    assert read_topic(embedded_broker.bootstrap_servers, topic, timeout=5) == []


def test_read_topic_of_a_missing_topic_is_a_lookup_error(embedded_broker: EmbeddedBroker) -> None:
    with pytest.raises(LookupError, match="does not exist"):
        read_topic(embedded_broker.bootstrap_servers, _name("admin-missing"), timeout=5)


def test_send_after_the_broker_stopped_fails_clearly_within_its_timeout(fresh_broker: EmbeddedBroker) -> None:
    topic = _name("admin-down")
    ensure_topics(fresh_broker.bootstrap_servers, [TopicSpec(topic, 1)], timeout=10)
    producer = RawProducer(fresh_broker.bootstrap_servers, timeout=2)
    try:
        producer.send_json(topic, "k", {"before": "stop"})
        fresh_broker.stop()

        started = time.monotonic()
        with pytest.raises(ProduceError, match=f"did not ack a record for '{topic}'"):
            producer.send_json(topic, "k", {"after": "stop"})
        assert time.monotonic() - started < 2 + 1.5
    finally:
        producer.close()


def test_a_restarted_broker_comes_back_on_the_same_address_and_empty(fresh_broker: EmbeddedBroker) -> None:
    topic, address = _name("admin-restart"), fresh_broker.bootstrap_servers
    ensure_topics(address, [TopicSpec(topic, 1)], timeout=10)

    fresh_broker.stop()
    fresh_broker.start()

    assert fresh_broker.bootstrap_servers == address
    wait_until_ready(address, timeout=5)
    with pytest.raises(LookupError):
        read_topic(address, topic, timeout=5)


def test_calls_against_no_broker_time_out_clearly() -> None:
    nowhere = "127.0.0.1:1"
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="127.0.0.1:1"):
        wait_until_ready(nowhere, timeout=0.5)
    with pytest.raises(TimeoutError):
        ensure_topics(nowhere, [TopicSpec("x", 1)], timeout=0.5)
    with pytest.raises(ProduceError, match="cannot connect"):
        RawProducer(nowhere, timeout=0.5)
    assert time.monotonic() - started < 5
