"""I/O: send the outbox rows that are due — claimed in one transaction, sent, then marked in another.

Before sending, a claimed page is checked against the incident (the system of record): one that
was acknowledged or resolved meanwhile is cancelled, not sent. Rate limits per contact method
hold non-P1 messages back; when several are held for one phone they go out as one summary SMS.
A send that fails in a way that may pass (5xx, timeout) is retried with capped exponential
backoff; one that cannot pass (a refused number) fails at once and the person's next contact
method is brought forward. A crash after the provider accepted a message and before it was
marked is the one bounded resend: the row's claim runs out and it is sent again.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping, Sequence

from sqlalchemy.orm import Session, sessionmaker

from incidents.models import Incident
from notify import outbox
from notify.channels.base import Channel, SendResult
from notify.directory import DEFAULT_RATE_LIMITS, RateLimit
from notify.message_text import MessageText
from notify.metrics import PAGES
from notify.models import OutboxMessage
from notify.notifications import PAGING_PURPOSES, UNBATCHED_PURPOSES, URGENT_PRIORITIES, NotSentReason, Purpose
from notify.throttle import next_allowed

#: Several calls due at once to one phone are placed one after another, this far apart.
NEXT_CALL_AFTER = timedelta(minutes=1)


@dataclass(frozen=True)
class DispatchPolicy:
    """How sending behaves: batch size, claim lease, retries and rate limits."""

    batch: int = 50
    lease: timedelta = timedelta(seconds=60)
    send_timeout_s: float = 10.0
    max_tries: int = 6
    retry_base: timedelta = timedelta(seconds=2)
    retry_cap: timedelta = timedelta(minutes=2)
    rate_limits: tuple[RateLimit, ...] = DEFAULT_RATE_LIMITS
    #: A handoff notice this long past its shift's start is not sent (`missed_handoff`).
    handoff_grace: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Delivery:
    """One provider call: the rows it carries (several for a summary SMS), to one address over one channel."""

    message_ids: tuple[int, ...]
    channel: str
    address: str
    body: str


class Dispatcher:
    """Sends due outbox rows through the configured channels."""

    def __init__(
        self,
        sessions: sessionmaker,
        channels: Mapping[str, Channel],
        policy: DispatchPolicy | None = None,
        text: MessageText | None = None,
    ) -> None:
        self._sessions = sessions
        self._channels = dict(channels)
        self._policy = policy or DispatchPolicy()
        self._text = text or MessageText()

    async def run_due(self, now: datetime) -> int:
        """Send what is due at `now`; return how many provider calls were made."""
        deliveries = await asyncio.to_thread(self._claim, now)
        if not deliveries:
            return 0
        results = await asyncio.gather(*(self._send(delivery) for delivery in deliveries))
        await asyncio.to_thread(self._finish, deliveries, results, now)
        return len(deliveries)

    async def aclose(self) -> None:
        """Close every channel's HTTP session (Twilio, chat bots) once; call on shutdown, after the last send."""
        unique = {id(channel): channel for channel in self._channels.values()}.values()
        await asyncio.gather(*(closer() for channel in unique if (closer := getattr(channel, "aclose", None))))

    def _claim(self, now: datetime) -> list[Delivery]:
        """Claim due rows, drop the ones no longer needed, apply rate limits, and group summaries."""
        with self._sessions() as session, session.begin():
            rows = outbox.claim_due(session=session, now=now, lease=self._policy.lease, limit=self._policy.batch)
            sendable = [row for row in rows if self._still_needed(session, row, now)]
            return self._deliveries(session, sendable, now)

    def _still_needed(self, session: Session, row: OutboxMessage, now: datetime) -> bool:
        """False (and the row closed with its reason) for an unknown channel or a page whose incident moved on.

        A page stops at acknowledgement; a major-incident page goes to the roles until the incident resolves.
        """
        if row.channel not in self._channels:
            known = ", ".join(sorted(self._channels)) or "none"
            _close(row, outbox.OutboxStatus.NOT_SENT, NotSentReason.UNKNOWN_CHANNEL, now)
            row.error = f"no channel {row.channel!r} is configured (configured: {known})"
            return False
        if row.purpose == Purpose.HANDOFF and now - row.due_at > self._policy.handoff_grace:
            _close(row, outbox.OutboxStatus.NOT_SENT, NotSentReason.MISSED_HANDOFF, now)
            return False
        if row.purpose not in PAGING_PURPOSES or row.incident_id is None:
            return True
        incident = session.get(Incident, row.incident_id)
        status = incident.status if incident is not None else "resolved"
        if status in ("resolved", "closed"):
            _close(row, outbox.OutboxStatus.CANCELLED, NotSentReason.RESOLVED, now)
            return False
        if status == "acknowledged" and row.purpose == Purpose.PAGE and _planned_before_ack(row, incident):
            _close(row, outbox.OutboxStatus.CANCELLED, NotSentReason.ACKNOWLEDGED, now)
            return False
        return True

    def _deliveries(self, session: Session, rows: Sequence[OutboxMessage], now: datetime) -> list[Delivery]:
        """Urgent rows and notices about no incident go one by one; the rest, per address and channel, rate-limited, summarised."""
        alone = [row for row in rows if row.priority in URGENT_PRIORITIES or row.purpose in UNBATCHED_PURPOSES]
        deliveries = [Delivery((row.id,), row.channel, row.address, row.body) for row in alone]
        groups: dict[tuple[str, str], list[OutboxMessage]] = {}
        for row in rows:
            if row.id not in {each.id for each in alone}:
                groups.setdefault((row.channel, row.address), []).append(row)
        widest = max((limit.per for limit in self._policy.rate_limits), default=timedelta(0))
        for (channel, address), group in groups.items():
            sent = outbox.sent_times(session=session, channel=channel, address=address, since=now - widest)
            allowed = next_allowed(sent, self._policy.rate_limits, now)
            if allowed is not None:
                for row in group:
                    outbox.defer(session=session, message_id=row.id, due_at=allowed, reason="throttled", now=now)
                continue
            if channel == "voice" or len(group) == 1:
                deliveries.append(Delivery((group[0].id,), channel, address, group[0].body))
                for row in group[1:]:  # one call at a time to one phone; the rest follow
                    outbox.defer(session=session, message_id=row.id, due_at=now + NEXT_CALL_AFTER, reason="throttled", now=now)
                continue
            deliveries.append(Delivery(tuple(row.id for row in group), channel, address, self._summary(session, group)))
        return deliveries

    def _summary(self, session: Session, rows: Sequence[OutboxMessage]) -> str:
        """One message standing for several held-back ones."""
        incidents = [{"id": row.incident_id, "priority": row.priority, **_about(session, row)} for row in rows]
        first = rows[0]
        return self._text.body("summary", first.channel, {"incident_id": None, "incidents": incidents, "drill": False}, first.language)

    async def _send(self, delivery: Delivery) -> SendResult:
        """One provider call, bounded by the send timeout; never raises."""
        channel = self._channels[delivery.channel]
        timeout = self._policy.send_timeout_s
        try:
            return await asyncio.wait_for(
                channel.send(recipient=delivery.address, body=delivery.body, timeout=timeout, message_id=delivery.message_ids[0]),
                timeout,
            )
        except TimeoutError:
            return SendResult(ok=False, error=f"timed out after {timeout:g}s", retryable=True)
        except Exception as exc:  # a channel broke its never-raise promise; record it, don't lose the row
            return SendResult(ok=False, error=f"channel {delivery.channel!r} raised {exc!r}", retryable=True)

    def _finish(self, deliveries: Sequence[Delivery], results: Sequence[SendResult], now: datetime) -> None:
        """Record each outcome: sent; retry later; or failed, with the person's next method brought forward."""
        with self._sessions() as session, session.begin():
            for delivery, result in zip(deliveries, results):
                for message_id in delivery.message_ids:
                    self._record(session, message_id, result, now)
                PAGES.labels(channel=delivery.channel, status="sent" if result.ok else "failed").inc()

    def _record(self, session: Session, message_id: int, result: SendResult, now: datetime) -> None:
        """The outcome of one row's send."""
        if result.ok:
            outbox.mark_sent(session=session, message_id=message_id, provider_id=result.provider_id, now=now)
            return
        row = session.get_one(OutboxMessage, message_id)
        error = result.error or "failed"
        if result.retryable and row.tries < self._policy.max_tries:
            backoff = min(self._policy.retry_base * (2 ** (row.tries - 1)), self._policy.retry_cap)
            outbox.mark_retry(session=session, message_id=message_id, error=error, due_at=now + backoff, now=now)
            return
        reason = str(NotSentReason.GAVE_UP) if result.retryable else None
        outbox.mark_failed(session=session, message_id=message_id, error=error, now=now, reason=reason)
        outbox.pull_forward(session=session, message=row, now=now)


def _planned_before_ack(row: OutboxMessage, incident: Incident) -> bool:
    """Whether the page was planned before the incident was acknowledged.

    An acknowledgement stops the pages already on their way; a page planned after it (no progress,
    a breached resolution target, an overdue runbook step, a hand escalation) is meant for an
    acknowledged incident and goes out.
    """
    return incident.acknowledged_at is None or row.created_at <= incident.acknowledged_at


def _close(row: OutboxMessage, status: outbox.OutboxStatus, reason: NotSentReason, now: datetime) -> None:
    """Close a claimed row without sending it."""
    row.status, row.reason, row.claimed_until, row.updated_at = str(status), str(reason), None, now


def _about(session: Session, row: OutboxMessage) -> dict[str, object]:
    """The title of the row's incident (its own text for a notice about no incident), and whether it is a drill."""
    incident = session.get(Incident, row.incident_id) if row.incident_id is not None else None
    if incident is None:
        return {"title": row.body, "drill": False}
    return {"title": incident.title, "drill": bool(incident.drill)}
