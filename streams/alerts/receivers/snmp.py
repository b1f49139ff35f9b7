"""I/O: the SNMP trap and inform receiver — pysnmp on the worker's event loop, one raw envelope per notification.

Raw first: a notification pysnmp accepted (right community, or a v3 user whose keys check out)
becomes a trap document (`snmp_document.py`) in an envelope of source "snmp"; mapping it to
alerts is the normalize stage's job. v1 traps are converted to v2 form by pysnmp as RFC 3584
§3.1 says; informs are acknowledged by pysnmp once accepted.

UDP has no back-pressure, so the pysnmp callback only puts the envelope on a bounded queue;
one publisher task drains it through the `RawSink`, retrying `SinkUnavailable` with a capped
backoff for as long as the worker runs. When the queue is full (the broker has been away for a
while) new traps are dropped, counted and logged — never blocking the socket. On stop the
socket closes first, then the queue gets `DRAIN_TIMEOUT_S` to empty; what is left is counted as
dropped. Counts: `alertdesk_snmp_traps_total{outcome=received|published|dropped}` and
`alertdesk_snmp_traps_refused_total{reason}` for what pysnmp refused (wrong community, unknown
user, bad digest; also the engine-id discovery step a v3 inform sender starts with).
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import uuid
from typing import Any

import faust
from mode import Service
from pysnmp.carrier.asyncio.dgram import udp, udp6
from pysnmp.carrier.asyncio.dispatch import AsyncioDispatcher
from pysnmp.entity import config as usm
from pysnmp.entity.engine import SnmpEngine
from pysnmp.entity.rfc3413.ntfrcv import NotificationReceiver

from streams.alerts.model import Envelope
from streams.alerts.receivers.sink import RawSink, SinkUnavailable
from streams.alerts.receivers.snmp_config import ListenAddress, SnmpReceiverConfig, V3User
from streams.alerts.receivers.snmp_document import (
    CONTENT_TYPE,
    SECURITY_LEVELS,
    SNMP_VERSIONS,
    pdu_kind,
    trap_document,
)
from streams.clock import Clock
from streams.metrics import SNMP_TRAPS, SNMP_TRAPS_REFUSED
from streams.retry import RetryPolicy

SOURCE = "snmp"
QUEUE_SIZE = 10_000
DRAIN_TIMEOUT_S = 2.0
OUTCOMES = ("received", "published", "dropped")
PUBLISH_RETRY = RetryPolicy(transient=(SinkUnavailable,), first_delay_s=0.2, max_delay_s=5.0)
AUTH_PROTOCOLS = {
    "MD5": usm.USM_AUTH_HMAC96_MD5, "SHA": usm.USM_AUTH_HMAC96_SHA, "SHA-224": usm.USM_AUTH_HMAC128_SHA224,
    "SHA-256": usm.USM_AUTH_HMAC192_SHA256, "SHA-384": usm.USM_AUTH_HMAC256_SHA384,
    "SHA-512": usm.USM_AUTH_HMAC384_SHA512,
}
PRIV_PROTOCOLS = {
    "DES": usm.USM_PRIV_CBC56_DES, "3DES": usm.USM_PRIV_CBC168_3DES, "AES": usm.USM_PRIV_CFB128_AES,
    "AES-128": usm.USM_PRIV_CFB128_AES, "AES-192": usm.USM_PRIV_CFB192_AES_BLUMENTHAL,
    "AES-256": usm.USM_PRIV_CFB256_AES_BLUMENTHAL, "AES-192-C": usm.USM_PRIV_CFB192_AES,
    "AES-256-C": usm.USM_PRIV_CFB256_AES,
}
_REFUSALS = ("rfc2576.prepareDataElements:sm-failure", "rfc3412.prepareDataElements:sm-failure")
_REQUEST = "rfc3412.receiveMessage:request"

log = logging.getLogger(__name__)


class SnmpListenError(OSError):
    """The UDP address cannot be bound (in use, not local, or a privileged port)."""


class SnmpTrapReceiver:
    """Binds the UDP socket at construction (so a bad address fails before the worker starts); runs from `start` to `stop`."""

    def __init__(self, config: SnmpReceiverConfig, sink: RawSink, clock: Clock, *, queue_size: int = QUEUE_SIZE,
                 retry: RetryPolicy = PUBLISH_RETRY) -> None:
        self._config = config
        self._sink = sink
        self._clock = clock
        self._retry = retry
        self._queue: asyncio.Queue[Envelope] = asyncio.Queue(maxsize=queue_size)
        self._socket = _bind(config.listen)
        for outcome in OUTCOMES:  # on /metrics from the start, at 0: a dashboard tells "quiet" from "absent"
            SNMP_TRAPS.labels(outcome)
        self._engine: SnmpEngine | None = None
        self._publisher: asyncio.Task | None = None

    @property
    def address(self) -> tuple[str, int]:
        """The bound host and port (the real port when the configuration asked for port 0)."""
        return self._socket.getsockname()[:2]

    async def start(self) -> None:
        """Serve the socket with a pysnmp engine on the running loop and start the publisher."""
        loop = asyncio.get_running_loop()
        engine = self._engine = SnmpEngine()
        engine.register_transport_dispatcher(AsyncioDispatcher(loop=loop))
        kind, domain = (udp6.Udp6AsyncioTransport, udp6.DOMAIN_NAME) if self._config.listen.ipv6 else (
            udp.UdpAsyncioTransport, udp.DOMAIN_NAME)
        usm.add_transport(engine, domain, kind(loop=loop).open_server_mode(sock=self._socket))
        for index, community in enumerate(self._config.communities, start=1):
            usm.add_v1_system(engine, f"community-{index}", community)
        for user in self._config.users:
            _add_user(engine, user)
        NotificationReceiver(engine, self._received)
        engine.observer.register_observer(self._refused, *_REFUSALS)
        self._publisher = loop.create_task(self._publish_forever(), name="snmp-trap-publisher")

    async def stop(self) -> None:
        """Close the socket, give queued traps `DRAIN_TIMEOUT_S` to reach the broker, count the rest as dropped."""
        if self._engine is not None:
            self._engine.close_dispatcher()
            self._engine = None
        self._socket.close()
        if self._publisher is None:
            return
        try:
            await asyncio.wait_for(self._queue.join(), DRAIN_TIMEOUT_S)
        except TimeoutError:
            left = self._queue.qsize() + 1  # the queued ones and the one being retried
            SNMP_TRAPS.labels("dropped").inc(left)
            log.warning("SNMP receiver stopped with %d trap(s) not yet acknowledged by the broker; they are lost", left)
        self._publisher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._publisher
        self._publisher = None

    def _received(self, engine: SnmpEngine, state_reference: Any, context_engine_id: Any, context_name: Any,
                  var_binds: Any, cb_ctx: Any) -> None:
        request = engine.observer.get_execution_context(_REQUEST)
        host, port = request["transportAddress"][:2]
        document = trap_document(
            snmp_version=SNMP_VERSIONS.get(int(request["messageProcessingModel"]), "unknown"),
            pdu=pdu_kind(request["pdu"]),
            transport_address=host,
            transport_port=port,
            security_name=bytes(request["securityName"]).decode("utf-8", "replace"),
            security_level=SECURITY_LEVELS.get(int(request["securityLevel"]), "unknown"),
            context_engine_id=bytes(context_engine_id),
            context_name=bytes(context_name).decode("utf-8", "replace"),
            varbinds=var_binds,
        )
        envelope = Envelope(source=SOURCE, received_at=self._clock.now(), content_type=CONTENT_TYPE,
                            body=json.dumps(document, ensure_ascii=False), envelope_id=uuid.uuid4().hex)
        SNMP_TRAPS.labels("received").inc()
        try:
            self._queue.put_nowait(envelope)
        except asyncio.QueueFull:
            SNMP_TRAPS.labels("dropped").inc()
            log.warning("SNMP trap %s from %s dropped: %d traps already wait for the broker",
                        document["trap_oid"], host, self._queue.maxsize)

    def _refused(self, engine: SnmpEngine, execpoint: str, variables: dict[str, Any], cb_ctx: Any) -> None:
        reason = type(variables["statusInformation"].get("errorIndication")).__name__
        SNMP_TRAPS_REFUSED.labels(reason).inc()
        log.debug("SNMP message from %s refused: %s", variables.get("transportAddress"), reason)

    async def _publish_forever(self) -> None:
        while True:
            envelope = await self._queue.get()
            try:
                await self._publish(envelope)
            finally:
                self._queue.task_done()

    async def _publish(self, envelope: Envelope) -> None:
        attempt = 0
        while True:
            try:
                await self._sink.publish(envelope)
            except self._retry.transient as exc:
                attempt += 1
                delay = self._retry.delay(attempt)
                log.warning("SNMP trap envelope %s not stored (%s); retry %d in %.1fs", envelope.envelope_id, exc,
                            attempt, delay)
                await asyncio.sleep(delay)
            else:
                SNMP_TRAPS.labels("published").inc()
                return


def _bind(listen: ListenAddress) -> socket.socket:
    family = socket.AF_INET6 if listen.ipv6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.bind((listen.host, listen.port))
    except OSError as exc:
        sock.close()
        raise SnmpListenError(exc.errno, f"cannot listen for SNMP traps on UDP {listen}: {exc.strerror}") from exc
    sock.setblocking(False)
    return sock


def _add_user(engine: SnmpEngine, user: V3User) -> None:
    usm.add_v3_user(
        engine,
        user.name,
        AUTH_PROTOCOLS[user.auth_protocol] if user.auth_protocol else usm.USM_AUTH_NONE,
        user.auth_key or None,
        PRIV_PROTOCOLS[user.priv_protocol] if user.priv_protocol else usm.USM_PRIV_NONE,
        user.priv_key or None,
        securityEngineId=user.engine_id,
    )


def serve_snmp(app: faust.App, receiver: SnmpTrapReceiver) -> None:
    """Run `receiver` as a service of `app`: started once the app is up, stopped (socket closed) when it stops."""

    class SnmpTrapService(Service):
        async def on_start(self) -> None:
            await receiver.start()

        async def on_stop(self) -> None:
            await receiver.stop()

    app.service(SnmpTrapService)
