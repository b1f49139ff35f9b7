"""The SNMP trap receiver on real UDP, fed by net-snmp's snmptrap/snmpinform and by pysnmp's own sender.

Most tests hand the receiver a recording sink (RawSink's interface, in memory) so each checks one
thing fast; `test_a_trap_goes_through_the_real_broker` runs it as a service of a real faust app
against the embedded tansu broker. Waits poll a condition with a deadline, never a fixed sleep.
"""
from __future__ import annotations

import asyncio
import json
import os
import socket
import uuid
from pathlib import Path
from typing import Awaitable, Callable

import pytest
from faust.contrib.asgi import faust_app_running
from prometheus_client import REGISTRY
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    NotificationType,
    ObjectIdentity,
    SnmpEngine,
    UdpTransportTarget,
    send_notification,
)
from pysnmp.proto.rfc1902 import Integer32, OctetString

from streams.alerts.model import Envelope
from streams.alerts.parsers.snmp import parse_snmp
from streams.alerts.receivers.sink import RawSink, SinkUnavailable
from streams.alerts.receivers.snmp import SnmpTrapReceiver, serve_snmp
from streams.alerts.receivers.snmp_config import receiver_config
from streams.alerts.receivers.snmp_document import CONTENT_TYPE
from streams.app import StreamConfig, create_app
from streams.clock import FakeClock
from streams.kafka_admin import TopicSpec, ensure_topics, read_topic
from streams.retry import RetryPolicy
from tests.prerequisites import program

PASS = "auth-phrase-1"
PRIV = "priv-phrase-1"
V3 = [("SHA", "AES", "8000000001020301"), ("SHA-256", "AES-256", "8000000001020302"), ("MD5", "DES", "8000000001020303")]
USERS = tuple(f"user=u-{auth.lower()} engine={engine} auth={auth}:{PASS} priv={priv}:{PRIV}" for auth, priv, engine in V3)
FAST = RetryPolicy(transient=(SinkUnavailable,), first_delay_s=0.01, max_delay_s=0.05)
ADDED = ["1.3.6.1.2.1.33.2.3", "1.3.6.1.2.1.33.1.6.2.1.1.7", "i", "7", "1.3.6.1.2.1.33.1.6.2.1.2.7", "o",
         "1.3.6.1.2.1.33.1.6.3.2"]


class RecordingSink:
    """Stands in for RawSink: records envelopes; can refuse the first `refuse` publishes, or hold each until `gate` opens."""

    def __init__(self, refuse: int = 0, gate: asyncio.Event | None = None) -> None:
        self.envelopes: list[Envelope] = []
        self.calls = 0
        self._refuse = refuse
        self._gate = gate

    async def publish(self, envelope: Envelope) -> None:
        self.calls += 1
        if self._gate is not None:
            await self._gate.wait()
        if self._refuse:
            self._refuse -= 1
            raise SinkUnavailable("broker did not acknowledge within 5s")
        self.envelopes.append(envelope)


async def until(condition: Callable[[], object], *, what: str, timeout: float = 15.0) -> object:
    """Poll `condition` on the loop until it is truthy, or fail naming `what`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := condition()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        await asyncio.sleep(0.02)
    return result


def counter(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def net_snmp(tmp_path: Path) -> Callable[..., Awaitable[str]]:
    """Run a net-snmp command (snmptrap, snmpinform) with its state under tmp_path; fail on a non-zero exit."""
    binary = program("snmptrap", install="the Debian package snmp")
    env = {**os.environ, "SNMP_PERSISTENT_DIR": str(tmp_path / "net-snmp"), "SNMPCONFPATH": str(tmp_path / "net-snmp"),
           "MIBS": ""}

    async def run(*args: str, command: str = "snmptrap") -> str:
        process = await asyncio.create_subprocess_exec(
            str(Path(binary).with_name(command)), *args, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=20)
        assert process.returncode == 0, f"{command} {' '.join(args)} exited {process.returncode}: {output.decode()}"
        return output.decode()

    return run


async def running(sink, **kwargs) -> SnmpTrapReceiver:
    config = receiver_config("127.0.0.1:0", ("public", "second-community"), USERS)
    receiver = SnmpTrapReceiver(config, sink, FakeClock(), retry=FAST, **kwargs)
    await receiver.start()
    return receiver


@pytest.fixture
async def sink():
    return RecordingSink()


@pytest.fixture
async def receiver(sink):
    receiver = await running(sink)
    yield receiver
    await receiver.stop()


def target(receiver: SnmpTrapReceiver) -> str:
    host, port = receiver.address
    return f"{host}:{port}"


def document(envelope: Envelope) -> dict:
    assert (envelope.source, envelope.content_type) == ("snmp", CONTENT_TYPE)
    return json.loads(envelope.body)


async def test_a_v2c_trap_from_snmptrap_arrives_with_every_varbind(receiver, sink, net_snmp) -> None:
    published = counter("alertdesk_snmp_traps_total", outcome="published")
    await net_snmp("-v", "2c", "-c", "public", target(receiver), "", *ADDED,
                   "1.3.6.1.2.1.1.5.0", "s", "二号机房 UPS-A1", "1.3.6.1.4.1.32473.9.1", "x", "00FF10",
                   "1.3.6.1.4.1.32473.9.2", "a", "10.1.2.3", "1.3.6.1.4.1.32473.9.3", "u", "6")
    [envelope] = await until(lambda: sink.envelopes, what="the trap to be published")
    doc = document(envelope)
    assert envelope.received_at == FakeClock().now() and len(envelope.envelope_id) == 32
    assert {key: doc[key] for key in ("snmp_version", "pdu", "transport_address", "security_name", "security_level",
                                      "trap_oid")} == {
        "snmp_version": "v2c", "pdu": "trap", "transport_address": "127.0.0.1", "security_name": "community-1",
        "security_level": "noAuthNoPriv", "trap_oid": "1.3.6.1.2.1.33.2.3"}
    assert isinstance(doc["uptime"], int) and doc["varbinds"][0] == {"oid": "1.3.6.1.2.1.1.3.0", "type": "TimeTicks",
                                                                     "value": doc["uptime"]}
    assert doc["varbinds"][1:] == [
        {"oid": "1.3.6.1.6.3.1.1.4.1.0", "type": "ObjectIdentifier", "value": "1.3.6.1.2.1.33.2.3"},
        {"oid": "1.3.6.1.2.1.33.1.6.2.1.1.7", "type": "Integer32", "value": 7},
        {"oid": "1.3.6.1.2.1.33.1.6.2.1.2.7", "type": "ObjectIdentifier", "value": "1.3.6.1.2.1.33.1.6.3.2"},
        {"oid": "1.3.6.1.2.1.1.5.0", "type": "OctetString", "value": "二号机房 UPS-A1"},
        {"oid": "1.3.6.1.4.1.32473.9.1", "type": "OctetString", "value": "00ff10", "encoding": "hex"},
        {"oid": "1.3.6.1.4.1.32473.9.2", "type": "IpAddress", "value": "10.1.2.3"},
        {"oid": "1.3.6.1.4.1.32473.9.3", "type": "Gauge32", "value": 6},
    ]
    [alert] = parse_snmp(envelope.body, received_at=envelope.received_at, source="snmp")
    assert (alert.name, str(alert.status), alert.resource) == ("UPSOnBattery", "firing", "127.0.0.1")
    assert counter("alertdesk_snmp_traps_total", outcome="published") == published + 1


async def test_a_v1_trap_is_converted_and_its_community_is_not_kept(receiver, sink, net_snmp) -> None:
    await net_snmp("-v", "1", "-c", "second-community", target(receiver), "1.3.6.1.2.1.33.2", "10.9.9.9", "6", "1", "55",
                   "1.3.6.1.2.1.33.1.2.3.0", "i", "12")
    [envelope] = await until(lambda: sink.envelopes, what="the v1 trap")
    doc = document(envelope)
    assert (doc["snmp_version"], doc["trap_oid"], doc["uptime"], doc["security_name"]) == (
        "v1", "1.3.6.1.2.1.33.2.0.1", 55, "community-2")
    assert {"oid": "1.3.6.1.6.3.18.1.3.0", "type": "IpAddress", "value": "10.9.9.9"} in doc["varbinds"]
    assert "second-community" not in envelope.body
    [alert] = parse_snmp(envelope.body, received_at=envelope.received_at, source="snmp")
    assert (alert.name, alert.labels["agent"], alert.value) == ("UPSOnBattery", "10.9.9.9", "12 min")


@pytest.mark.parametrize(("auth", "priv", "engine"), V3)
async def test_a_v3_auth_priv_trap_from_snmptrap(receiver, sink, net_snmp, auth: str, priv: str, engine: str) -> None:
    await net_snmp("-v", "3", "-u", f"u-{auth.lower()}", "-l", "authPriv", "-a", auth, "-A", PASS, "-x", priv, "-X", PRIV,
                   "-e", engine, target(receiver), "", *ADDED)
    [envelope] = await until(lambda: sink.envelopes, what=f"the v3 {auth}/{priv} trap")
    doc = document(envelope)
    assert (doc["snmp_version"], doc["security_name"], doc["security_level"], doc["trap_oid"]) == (
        "v3", f"u-{auth.lower()}", "authPriv", "1.3.6.1.2.1.33.2.3")
    assert PASS not in envelope.body and PRIV not in envelope.body


async def test_a_v2c_inform_is_acknowledged(receiver, sink, net_snmp) -> None:
    # snmpinform exits 0 only once the receiver's response arrived.
    await net_snmp("-v", "2c", "-c", "public", "-t", "5", "-r", "0", target(receiver), "", "1.3.6.1.2.1.33.2.2",
                   command="snmpinform")
    [envelope] = await until(lambda: sink.envelopes, what="the inform")
    assert (document(envelope)["pdu"], document(envelope)["trap_oid"]) == ("inform", "1.3.6.1.2.1.33.2.2")


async def test_wrong_credentials_and_noise_are_refused_never_published(receiver, sink, net_snmp) -> None:
    before = {reason: counter("alertdesk_snmp_traps_refused_total", reason=reason)
              for reason in ("UnknownCommunityName", "AuthenticationFailure", "UnknownSecurityName")}
    await net_snmp("-v", "2c", "-c", "guess", target(receiver), "", *ADDED)
    await net_snmp("-v", "3", "-u", "u-sha", "-l", "authPriv", "-a", "SHA", "-A", "wrong-phrase", "-x", "AES", "-X", PRIV,
                   "-e", V3[0][2], target(receiver), "", *ADDED)
    await net_snmp("-v", "3", "-u", "mallory", "-l", "authNoPriv", "-a", "SHA", "-A", PASS, "-e", V3[0][2],
                   target(receiver), "", *ADDED)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as noise:  # not SNMP at all
        noise.sendto(b"\x30\x82\xff\xffGET / HTTP/1.0\r\n", receiver.address)
    await net_snmp("-v", "2c", "-c", "public", target(receiver), "", "1.3.6.1.4.1.32473.0.9")
    # One socket, one loop: once the good trap is through, everything before it was handled.
    await until(lambda: sink.envelopes, what="the trap with the right community")
    assert [document(e)["trap_oid"] for e in sink.envelopes] == ["1.3.6.1.4.1.32473.0.9"]
    assert {reason: counter("alertdesk_snmp_traps_refused_total", reason=reason) - value
            for reason, value in before.items()} == {
        "UnknownCommunityName": 1, "AuthenticationFailure": 1, "UnknownSecurityName": 1}


@pytest.mark.parametrize("kind", ["trap", "inform"])
async def test_a_notification_from_pysnmps_sender(receiver, sink, kind: str) -> None:
    host, port = receiver.address
    sender = SnmpEngine()
    try:
        error, status, _, _ = await send_notification(
            sender, CommunityData("public", mpModel=1), await UdpTransportTarget.create((host, port), timeout=5, retries=0),
            ContextData(), kind,
            NotificationType(ObjectIdentity("1.3.6.1.4.1.32473.1.0.4")).add_varbinds(
                ("1.3.6.1.4.1.32473.1.3.2.2.0", Integer32(1)), ("1.3.6.1.2.1.1.5.0", OctetString("probe-7"))),
        )
    finally:
        sender.close_dispatcher()
    assert error is None and not status
    [envelope] = await until(lambda: sink.envelopes, what=f"the pysnmp {kind}")
    doc = document(envelope)
    assert (doc["pdu"], doc["trap_oid"]) == (kind, "1.3.6.1.4.1.32473.1.0.4")
    assert doc["varbinds"][2:] == [{"oid": "1.3.6.1.4.1.32473.1.3.2.2.0", "type": "Integer32", "value": 1},
                                   {"oid": "1.3.6.1.2.1.1.5.0", "type": "OctetString", "value": "probe-7"}]


async def test_an_unavailable_broker_is_retried_with_backoff(net_snmp) -> None:
    sink = RecordingSink(refuse=2)
    receiver = await running(sink)
    try:
        await net_snmp("-v", "2c", "-c", "public", target(receiver), "", *ADDED)
        await until(lambda: sink.envelopes, what="the trap to be published after two refusals")
        assert sink.calls == 3
    finally:
        await receiver.stop()


async def test_a_full_queue_drops_new_traps_and_counts_them(net_snmp) -> None:
    gate = asyncio.Event()
    sink = RecordingSink(gate=gate)
    receiver = await running(sink, queue_size=1)
    dropped = counter("alertdesk_snmp_traps_total", outcome="dropped")
    try:
        await net_snmp("-v", "2c", "-c", "public", target(receiver), "", "1.3.6.1.4.1.32473.0.1")
        await until(lambda: sink.calls == 1, what="the first trap to be held by the broker")
        for n in (2, 3):  # the second waits in the queue, the third finds it full
            await net_snmp("-v", "2c", "-c", "public", target(receiver), "", f"1.3.6.1.4.1.32473.0.{n}")
        await until(lambda: counter("alertdesk_snmp_traps_total", outcome="dropped") == dropped + 1, what="a drop")
        gate.set()
        await until(lambda: len(sink.envelopes) == 2, what="the held and the queued trap")
        assert [document(e)["trap_oid"] for e in sink.envelopes] == ["1.3.6.1.4.1.32473.0.1", "1.3.6.1.4.1.32473.0.2"]
    finally:
        await receiver.stop()


async def test_stop_closes_the_socket_and_ends_the_publisher(sink) -> None:
    receiver = await running(sink)
    host, port = receiver.address
    await receiver.stop()
    assert not [task for task in asyncio.all_tasks() if task.get_name() == "snmp-trap-publisher"]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind((host, port))  # free again: nothing leaked


@pytest.mark.broker
async def test_a_trap_goes_through_the_real_broker(embedded_broker, tmp_path: Path, net_snmp) -> None:
    config = StreamConfig(bootstrap_servers=(embedded_broker.bootstrap_servers,),
                          topic_prefix=f"snmp{uuid.uuid4().hex[:6]}.", partitions=1, data_dir=tmp_path)
    app, topics = create_app(config)
    ensure_topics(embedded_broker.bootstrap_servers, [TopicSpec(topics.names.raw, 1)], timeout=30)
    receiver = SnmpTrapReceiver(receiver_config("127.0.0.1:0", ("public",), ()), RawSink(topics.raw), FakeClock())
    serve_snmp(app, receiver)
    host, port = receiver.address

    def raw_records() -> list[dict]:
        return read_topic(embedded_broker.bootstrap_servers, topics.names.raw, timeout=10)

    async with faust_app_running(app, stop_timeout=30):
        await net_snmp("-v", "2c", "-c", "public", f"{host}:{port}", "", *ADDED)
        [record] = await until(lambda: raw_records(), what="the envelope on alerts.raw", timeout=60)
    envelope = Envelope.from_dict(record["value"])
    assert (record["key"], document(envelope)["trap_oid"]) == ("snmp", "1.3.6.1.2.1.33.2.3")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind((host, port))  # the app's stop closed the receiver's socket
