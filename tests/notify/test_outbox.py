"""Outbox rows on SQLite and PostgreSQL: idempotent insert by page key, claiming due rows, leases, marks."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from notify import outbox
from notify.models import OutboxMessage
from tests.notify.factories import T0

LEASE = timedelta(seconds=60)


def message(
    incident_id, *, key="k1", due=T0, contact="mobile", channel="sms", person="li.wei", status_reason=None, purpose="page"
) -> OutboxMessage:
    """A page row due at `due`; with `status_reason`, a row recorded as not sent for that reason."""
    return OutboxMessage(
        page_key=key, incident_id=incident_id, event_id="evt", purpose=purpose, cycle=1,
        escalation_level=1, recipient=person, contact=contact, channel=channel, address="+8613800000001",
        language="zh-CN", priority="P2", attempt=1, body="page", status="not_sent" if status_reason else "pending",
        reason=status_reason, due_at=due, tries=0, created_at=T0,
    )


def test_insert_twice_adds_no_second_row(sessions, incident_id):
    with sessions() as session, session.begin():
        first = outbox.insert_messages(session=session, messages=[message(incident_id)])
    with sessions() as session, session.begin():
        again = outbox.insert_messages(session=session, messages=[message(incident_id)])
        assert [row.id for row in again] == [row.id for row in first]
        assert len(outbox.list_outbox(session=session)) == 1


def test_a_missing_incident_is_an_error_not_a_silent_skip(sessions):
    with pytest.raises(IntegrityError):
        with sessions() as session, session.begin():
            outbox.insert_messages(session=session, messages=[message(999_999)])


def test_claim_takes_only_due_rows_and_a_claim_hides_them_until_the_lease_runs_out(sessions, incident_id):
    with sessions() as session, session.begin():
        outbox.insert_messages(session=session, messages=[message(incident_id), message(incident_id, key="k2", due=T0 + LEASE)])
    with sessions() as session, session.begin():
        claimed = outbox.claim_due(session=session, now=T0, lease=LEASE, limit=10)
        assert [row.page_key for row in claimed] == ["k1"] and claimed[0].tries == 1
    with sessions() as session, session.begin():
        assert outbox.claim_due(session=session, now=T0 + timedelta(seconds=30), lease=LEASE, limit=10) == []
    with sessions() as session, session.begin():
        reclaimed = outbox.claim_due(session=session, now=T0 + LEASE + timedelta(seconds=1), lease=LEASE, limit=10)
        assert sorted(row.page_key for row in reclaimed) == ["k1", "k2"]


def test_mark_sent_retry_failed_and_provider_status(sessions, incident_id):
    with sessions() as session, session.begin():
        row = outbox.insert_messages(session=session, messages=[message(incident_id)])[0]
    with sessions() as session, session.begin():
        outbox.mark_retry(session=session, message_id=row.id, error="503", due_at=T0 + LEASE, now=T0)
        assert session.get(OutboxMessage, row.id).due_at == T0 + LEASE
        outbox.mark_sent(session=session, message_id=row.id, provider_id="SM1", now=T0)
        outbox.set_provider_status(session=session, message_id=row.id, status="delivered", error=None, now=T0)
    with sessions() as session:
        stored = session.get(OutboxMessage, row.id)
        assert (stored.status, stored.provider_id, stored.provider_status, stored.error) == ("sent", "SM1", "delivered", None)
        assert outbox.set_provider_status(session=session, message_id=row.id + 100, status="x", error=None, now=T0) is None


def test_cancel_pending_and_pull_forward(sessions, incident_id):
    with sessions() as session, session.begin():
        sms, call = outbox.insert_messages(
            session=session,
            messages=[message(incident_id), message(incident_id, key="k2", contact="phone", channel="voice", due=T0 + 2 * LEASE)],
        )
    with sessions() as session, session.begin():
        pulled = outbox.pull_forward(session=session, message=session.get(OutboxMessage, sms.id), now=T0)
        assert pulled.id == call.id and pulled.due_at == T0
    with sessions() as session, session.begin():
        cancelled = outbox.cancel_pending(session=session, incident_id=incident_id, purposes=["page"], reason="acknowledged", now=T0)
        assert {row.status for row in cancelled} == {"cancelled"}


def test_throttle_inputs_and_people_paged(sessions, incident_id):
    with sessions() as session, session.begin():
        rows = outbox.insert_messages(session=session, messages=[message(incident_id), message(incident_id, key="k2", person="chen.jie")])
        for row in rows:
            outbox.mark_sent(session=session, message_id=row.id, provider_id="SM", now=T0)
    with sessions() as session:
        assert outbox.sent_times(session=session, channel="sms", address="+8613800000001", since=T0 - LEASE) == [T0, T0]
        assert outbox.people_paged(session=session, incident_id=incident_id, cycle=1) == ["li.wei", "chen.jie"]
        assert outbox.latest_page_to(session=session, address="+8613800000001").recipient == "chen.jie"
