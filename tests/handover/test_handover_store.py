"""Shift handovers on SQLite and PostgreSQL: the snapshot, timeline entries on each open incident, who may write and
acknowledge, the first acknowledgement standing, idempotent writes, and the events published after the commit."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from incidents import actions
from incidents.events import EventKind, IncidentEvent
from incidents.handover import store
from incidents.handover.rules import HandoverConflict, HandoverError, HandoverForbidden, HandoverNotFound, draft
from incidents.handover.service import HandoverService
from incidents.models import TimelineEvent
from incidents.silences.store import add_silence, add_window
from incidents.store import apply_command
from streams.alerts.maintenance import MaintenanceWindow
from streams.alerts.matchers import parse_matcher
from streams.alerts.silences import Silence
from streams.clock import FakeClock
from streams.correlation.commands import CommandKind
from tests.incidents.builders import NOW, command

WRITTEN_AT = NOW + timedelta(hours=2)
STEP = {"incident_id": 1, "runbook": "ups-on-battery", "step": "check the generator", "status": "in_progress"}


def _draft(label="night", **fields):
    values = dict(
        shift_label=label, shift_start=NOW - timedelta(hours=10), shift_end=NOW + timedelta(hours=2),
        outgoing="zhang.wei", incoming="li.na", notes="UPS-1 on battery twice; vendor called",
    )
    values.update(fields)
    return draft(**values)


@pytest.fixture
def db(migrated_db):
    """(session factory, [open incident ids]): two open incidents, one resolved, a silence and a maintenance window."""
    _, factory = migrated_db
    with factory() as session:
        ids = [apply_command(session=session, command=command(CommandKind.OPEN, f"k{n}", f"g{n}", f"fp{n}"),
                             now=NOW)[0].incident_id for n in range(3)]
        actions.resolve(session=session, incident_id=ids[2], actor="zhang.wei", via="cli", now=NOW, request_id="r")
        actions.assign(session=session, incident_id=ids[1], actor="zhang.wei", via="cli", now=NOW, request_id="a",
                       assignee="line2")
        add_silence(session=session, silence=Silence(
            id="s1", matchers=(parse_matcher("alertname=UpsOnBattery"),), starts_at=NOW,
            ends_at=NOW + timedelta(days=1),
            created_by="zhang.wei", comment="battery test", created_at=NOW,
        ))
        add_window(session=session, window=MaintenanceWindow(
            id="w1", components=("ups-1",), starts_at=NOW + timedelta(hours=3), ends_at=NOW + timedelta(hours=5),
            recurrence=None, timezone="Asia/Shanghai", created_by="li.na", reason="UPS 保养", created_at=NOW,
        ))
        add_window(session=session, window=MaintenanceWindow(
            id="w2", components=("ac-1",), starts_at=NOW + timedelta(days=5), ends_at=NOW + timedelta(days=6),
            recurrence=None, timezone="Asia/Shanghai", created_by="li.na", reason="later", created_at=NOW,
        ))
        session.commit()
    return factory, ids[:2]


def _write(factory, *, writer="zhang.wei", is_admin=False, key="w-1", the_draft=None):
    with factory() as session:
        handover, events = store.write_handover(
            session=session, draft=the_draft or _draft(), writer=writer, is_admin=is_admin, via="api",
            request_key=key, now=WRITTEN_AT, pending_steps=lambda _session: [STEP],
        )
        session.commit()
        return store.handover_dict(handover), events


def _ack(factory, handover_id, actor="li.na", is_admin=False, now=WRITTEN_AT + timedelta(minutes=5)):
    with factory() as session:
        handover, events = store.acknowledge_handover(
            session=session, handover_id=handover_id, actor=actor, is_admin=is_admin, via="ui", now=now
        )
        session.commit()
        return store.handover_dict(handover), events


def _handover_entries(factory):
    with factory() as session:
        rows = session.scalars(
            select(TimelineEvent).where(TimelineEvent.kind == "handover").order_by(TimelineEvent.id)
        ).all()
        return [(row.incident_id, row.actor, row.origin, row.detail) for row in rows]


def test_write_takes_a_snapshot_and_notes_each_open_incident(db):
    factory, open_ids = db
    shown, events = _write(factory)
    snap = shown["snapshot"]
    assert [item["id"] for item in snap["incidents"]] == open_ids
    assert snap["incidents"][1]["assignee"] == "line2" and snap["incidents"][0]["status"] == "triggered"
    assert [item["id"] for item in snap["silences"]] == ["s1"]
    assert [(item["id"], item["state"]) for item in snap["maintenance"]] == [("w1", "scheduled")]  # w2: in 5 days
    assert snap["runbook_steps"] == [STEP]
    assert (shown["outgoing"], shown["incoming"], shown["written_by"], shown["acknowledged_at"]) == (
        "zhang.wei", "li.na", "zhang.wei", None
    )
    assert [(e.kind, e.incident_id, e.actor) for e in events] == [
        (EventKind.HANDOVER, open_ids[0], "zhang.wei"), (EventKind.HANDOVER, open_ids[1], "zhang.wei")
    ]
    detail = f"handover {shown['id']} written: night zhang.wei → li.na"
    assert _handover_entries(factory) == [(i, "zhang.wei", "api", detail) for i in open_ids]


def test_a_repeated_write_returns_the_first_and_a_second_handover_of_the_shift_is_refused(db):
    factory, _ = db
    first, events = _write(factory)
    again, replayed = _write(factory)  # same idempotency key
    assert again["id"] == first["id"] and [e.event_id for e in replayed] == [e.event_id for e in events]
    assert len(_handover_entries(factory)) == 2
    with pytest.raises(HandoverConflict, match="already handed over"):
        _write(factory, key="w-2")
    with pytest.raises(HandoverConflict, match="already used"):
        _write(factory, the_draft=_draft(label="day"))


def test_only_the_outgoing_person_or_an_admin_writes(db):
    factory, _ = db
    with pytest.raises(HandoverForbidden, match="zhang.wei"):
        _write(factory, writer="wang.fang")
    shown, _ = _write(factory, writer="admin", is_admin=True)
    assert (shown["written_by"], shown["outgoing"]) == ("admin", "zhang.wei")


@pytest.mark.parametrize("fields, message", [
    ({"incoming": "zhang.wei"}, "themselves"),
    ({"shift_label": "  "}, "shift_label"),
    ({"shift_end": NOW - timedelta(hours=11)}, "after shift_start"),
    ({"shift_end": NOW + timedelta(days=3)}, "longer than"),
])
def test_bad_drafts_are_refused_with_the_reason(fields, message):
    with pytest.raises(HandoverError, match=message):
        _draft(**fields)


def test_acknowledged_by_the_incoming_person_once_the_first_stands(db):
    factory, open_ids = db
    shown, _ = _write(factory)
    with pytest.raises(HandoverForbidden, match="li.na"):
        _ack(factory, shown["id"], actor="wang.fang")
    acked, events = _ack(factory, shown["id"])
    assert (acked["acknowledged_by"], acked["acknowledged_at"]) == ("li.na", "2026-01-01T10:05:00.000Z")
    assert [(e.kind, e.incident_id, e.via) for e in events] == [(EventKind.HANDOVER, i, "ui") for i in open_ids]
    again, replayed = _ack(factory, shown["id"], actor="admin", is_admin=True, now=WRITTEN_AT + timedelta(hours=1))
    assert (again["acknowledged_by"], again["acknowledged_at"]) == ("li.na", "2026-01-01T10:05:00.000Z")
    assert [e.event_id for e in replayed] == [e.event_id for e in events]
    assert [entry[3] for entry in _handover_entries(factory)][2:] == [
        f"handover {shown['id']} acknowledged by li.na: night zhang.wei → li.na"
    ] * 2
    with pytest.raises(HandoverNotFound):
        _ack(factory, 999)


def test_list_newest_first_by_shift_start_range(db):
    factory, _ = db
    first, _ = _write(factory)
    with factory() as session:
        store.write_handover(
            session=session, draft=_draft(label="day", shift_start=NOW + timedelta(hours=2),
                                          shift_end=NOW + timedelta(hours=14)),
            writer="zhang.wei", is_admin=False, via="cli", request_key="w-2", now=WRITTEN_AT + timedelta(hours=12),
        )
        session.commit()
        rows, total = store.list_handovers(session=session, limit=10, offset=0)
        assert ([row.shift_label for row in rows], total) == (["day", "night"], 2)
        rows, total = store.list_handovers(
            session=session, limit=10, offset=0, since=NOW - timedelta(hours=10), until=NOW
        )
        assert [row.id for row in rows] == [first["id"]]


async def test_service_publishes_after_the_commit(db):
    factory, open_ids = db
    published: list[IncidentEvent] = []

    async def publish(event: IncidentEvent) -> None:
        published.append(event)

    service = HandoverService(factory, publish, FakeClock(WRITTEN_AT))
    shown = await service.write(_draft(), writer="zhang.wei", is_admin=False, via="cli", request_key="k")
    assert [e.incident_id for e in published] == open_ids
    await service.acknowledge(shown["id"], actor="li.na", is_admin=False, via="cli")
    assert [e.detail.split(":")[0] for e in published[2:]] == [f"handover {shown['id']} acknowledged by li.na"] * 2
