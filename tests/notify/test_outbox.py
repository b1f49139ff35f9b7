"""Outbox store: idempotent recording, pending rows handed back, outcomes recorded, never commits."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from incidents.events import EventKind
from notify import outbox
from notify.planner import Route, plan_pages
from tests.notify.factories import T0, make_event

ROUTES = (Route("on-call", "console"), Route("duty-manager", "console"))


def _intents(incident_id, kind=EventKind.OPENED):
    return plan_pages(make_event(kind, incident_id=incident_id), routes=ROUTES).intents


def _record(session, intents):
    return outbox.record_intents(session=session, intents=intents, bodies=["body"] * len(intents), now=T0)


def test_record_inserts_pending_rows(sessions, incident_id):
    with sessions() as session, session.begin():
        rows = _record(session, _intents(incident_id))

    assert [(r.recipient, r.status, r.escalation_level, r.created_at) for r in rows] == [
        ("on-call", "pending", 1, T0),
        ("duty-manager", "pending", 1, T0),
    ]


def test_recording_twice_adds_no_row_and_returns_the_unsent_ones(sessions, incident_id):
    intents = _intents(incident_id)
    with sessions() as session, session.begin():
        first = _record(session, intents)
        outbox.mark_sent(session=session, message=first[0], provider_id="p-1", now=T0)

    with sessions() as session, session.begin():
        again = _record(session, intents)
        assert len(outbox.list_outbox(session=session, incident_id=incident_id)) == 2

    assert [(r.id, r.recipient) for r in again] == [(first[1].id, "duty-manager")]


def test_a_row_taken_by_a_concurrent_writer_is_returned_not_duplicated(sessions, incident_id):
    (intent, _) = _intents(incident_id)
    with sessions() as session, session.begin():
        theirs = _record(session, [intent])[0]

    # The other writer committed between our lookup and our insert: the insert hits the unique key.
    with sessions() as session, session.begin():
        mine = outbox._insert(session, intent, "body", T0)
        assert mine.id == theirs.id
        assert len(outbox.list_outbox(session=session)) == 1


def test_resolved_notice_does_not_collide_with_the_page(sessions, incident_id):
    with sessions() as session, session.begin():
        _record(session, _intents(incident_id, EventKind.OPENED))
        notices = _record(session, _intents(incident_id, EventKind.RESOLVED))

    assert [r.escalation_level for r in notices] == [0, 0]


def test_record_never_commits(sessions, incident_id):
    with sessions() as session:
        _record(session, _intents(incident_id))
        session.rollback()

    with sessions() as session:
        assert outbox.list_outbox(session=session) == []


def test_a_missing_incident_is_an_error_not_a_silent_skip(sessions):
    with sessions() as session, session.begin():
        with pytest.raises(IntegrityError):
            _record(session, _intents(999_999))
        session.rollback()


def test_bodies_must_match_intents(sessions, incident_id):
    with sessions() as session, pytest.raises(ValueError, match="2 intents but 1 bodies"):
        outbox.record_intents(session=session, intents=_intents(incident_id), bodies=["x"], now=T0)


def test_mark_sent_and_failed(sessions, incident_id):
    with sessions() as session, session.begin():
        ok, bad = _record(session, _intents(incident_id))

    with sessions() as session, session.begin():
        outbox.mark_sent(session=session, message=ok, provider_id="console-1", now=T0)
        outbox.mark_failed(session=session, message=bad, error="timed out after 10s", now=T0)

    with sessions() as session:
        rows = {r.recipient: r for r in outbox.list_outbox(session=session, incident_id=incident_id)}
    assert (rows["on-call"].status, rows["on-call"].provider_id, rows["on-call"].sent_at) == ("sent", "console-1", T0)
    assert (rows["duty-manager"].status, rows["duty-manager"].error) == ("failed", "timed out after 10s")


def test_list_outbox_newest_first_with_limit(sessions, incident_id):
    with sessions() as session, session.begin():
        _record(session, _intents(incident_id))

    with sessions() as session:
        assert [r.recipient for r in outbox.list_outbox(session=session, limit=1)] == ["duty-manager"]
        assert outbox.list_outbox(session=session, incident_id=incident_id + 1) == []
