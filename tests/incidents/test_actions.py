"""People's actions on incidents, on SQLite and PostgreSQL: transitions, timeline, idempotency, races, and correlation's
commands arriving after a person resolved or closed the incident."""
from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from incidents import actions
from incidents.action_inputs import ActionError, IdempotencyKeyReused, IncidentNotFound
from incidents.action_service import IncidentActions
from incidents.correlation_seed import seed_scope
from incidents.events import EventKind, IncidentEvent
from incidents.lifecycle import IllegalTransition
from incidents.models import Incident, TimelineEvent
from incidents.queries import get_incident
from incidents.store import apply_command, successor_key
from streams.clock import FakeClock
from streams.correlation.commands import CommandKind
from streams.ids import deterministic_id
from tests.incidents.builders import NOW, command

OPEN, ATTACH, RESOLVE, REOPEN = CommandKind.OPEN, CommandKind.ATTACH, CommandKind.RESOLVE, CommandKind.REOPEN
LATER = NOW + timedelta(minutes=3)


def _writer(factory, cmd, now=NOW) -> list[IncidentEvent]:
    """Apply one correlation command as the incident writer does."""
    with factory() as session:
        events = apply_command(session=session, command=cmd, now=now)
        session.commit()
    return events


def _act(factory, action, incident_id, request_id, *, actor="li.wei", via="sms", now=LATER, **fields):
    """Apply one action in its own committed transaction."""
    with factory() as session:
        events = action(
            session=session, incident_id=incident_id, actor=actor, via=via, now=now, request_id=request_id, **fields
        )
        session.commit()
    return events


def _incident(factory, incident_id) -> Incident:
    with factory() as session:
        return session.get(Incident, incident_id)


def _timeline(factory, incident_id) -> list[tuple[str, str, str, str]]:
    """(kind, actor, origin, detail) of the incident's timeline, oldest first."""
    with factory() as session:
        rows = session.scalars(
            select(TimelineEvent).where(TimelineEvent.incident_id == incident_id).order_by(TimelineEvent.id)
        )
        return [(row.kind, row.actor, row.origin, row.detail) for row in rows]


@pytest.fixture
def db(migrated_db):
    """(session factory, id of a triggered incident opened by correlation)."""
    _, factory = migrated_db
    [opened] = _writer(factory, command(OPEN, "k1"))
    return factory, opened.incident_id


def test_acknowledge_records_who_when_and_from_where(db):
    factory, incident_id = db
    [acked] = _act(factory, actions.acknowledge, incident_id, "sms-1", note="on my way")
    assert (acked.kind, acked.status, acked.actor, acked.via, acked.detail, acked.occurred_at) == (
        EventKind.ACKNOWLEDGED, "acknowledged", "li.wei", "sms", "on my way", LATER
    )
    assert acked.event_id == deterministic_id("sms-1", "acknowledged")
    incident = _incident(factory, incident_id)
    assert (incident.status, incident.acknowledged_by, incident.acknowledged_at, incident.updated_at) == (
        "acknowledged", "li.wei", LATER, LATER
    )
    assert _timeline(factory, incident_id)[-1] == ("acknowledged", "li.wei", "sms", "on my way")


def test_a_night_from_trigger_to_close_shows_on_the_incident_and_its_timeline(db):
    factory, incident_id = db
    steps = [
        (actions.acknowledge, {}, "li.wei", "sms"),
        (actions.assign, {"assignee": "line2"}, "desk.wang", "ui"),
        (actions.assign, {"assignee": "zhang.min"}, "desk.wang", "ui"),
        (actions.add_note, {"text": "UPS vendor called"}, "zhang.min", "api"),
        (actions.resolve, {"note": "mains back"}, "zhang.min", "cli"),
        (actions.reopen, {}, "desk.wang", "ui"),
        (actions.resolve, {}, "zhang.min", "phone"),
        (actions.close, {}, "desk.wang", "ui"),
    ]
    statuses = []
    for n, (action, fields, actor, via) in enumerate(steps):
        at = NOW + timedelta(minutes=n)
        [done] = _act(factory, action, incident_id, f"r{n}", actor=actor, via=via, now=at, **fields)
        statuses.append(done.status)
    assert statuses == [
        "acknowledged", "acknowledged", "acknowledged", "acknowledged", "resolved", "triggered", "resolved", "closed"
    ]
    with factory() as session:
        shown = get_incident(session=session, incident_id=incident_id)
    assert (shown["status"], shown["assignee"], shown["acknowledged_by"], shown["acknowledged_at"]) == (
        "closed", "zhang.min", None, None  # the reopen cleared the acknowledgement
    )
    assert (shown["resolved_at"], shown["closed_at"]) == ("2026-01-01T08:06:00.000Z", "2026-01-01T08:07:00.000Z")
    assert [(item["kind"], item["actor"], item["via"], item["detail"]) for item in shown["timeline"]] == [
        ("opened", "system", "system", "opened by UpsOnBattery on ups-fp1"),
        ("acknowledged", "li.wei", "sms", "acknowledged"),
        ("assigned", "desk.wang", "ui", "assigned to line2"),
        ("assigned", "desk.wang", "ui", "assigned to zhang.min (was line2)"),
        ("note_added", "zhang.min", "api", "UPS vendor called"),
        ("resolved", "zhang.min", "cli", "mains back"),
        ("reopened", "desk.wang", "ui", "reopened"),
        ("resolved", "zhang.min", "phone", "resolved"),
        ("closed", "desk.wang", "ui", "closed"),
    ]


def test_acknowledging_twice_names_the_first_one(db):
    factory, incident_id = db
    _act(factory, actions.acknowledge, incident_id, "sms-1")
    with pytest.raises(IllegalTransition) as refused:
        _act(factory, actions.acknowledge, incident_id, "ui-1", actor="desk.wang", via="ui")
    assert str(refused.value) == (
        f"cannot acknowledge: incident {incident_id} is already acknowledged by li.wei at 2026-01-01T08:03:00.000Z"
        " (via sms)"
    )
    assert [kind for kind, *_ in _timeline(factory, incident_id)] == ["opened", "acknowledged"]


@pytest.mark.parametrize(
    ("before", "action", "fields", "message"),
    [
        ([], actions.close, {}, "is not resolved yet"),
        ([], actions.reopen, {}, "is open (triggered)"),
        ([actions.resolve], actions.acknowledge, {}, "is resolved: reopen it before acknowledging it"),
        ([actions.resolve], actions.resolve, {}, "is already resolved by li.wei at"),
        ([actions.resolve, actions.close], actions.reopen, {}, "is closed and cannot be reopened"),
        ([actions.resolve, actions.close], actions.add_note, {"text": "late"}, "is closed: a closed incident cannot"),
        ([actions.resolve, actions.close], actions.assign, {"assignee": "x"}, "is closed: a closed incident cannot"),
    ],
)
def test_an_illegal_action_is_refused_and_writes_nothing(db, before, action, fields, message):
    factory, incident_id = db
    for n, earlier in enumerate(before):
        _act(factory, earlier, incident_id, f"before-{n}")
    timeline, status = _timeline(factory, incident_id), _incident(factory, incident_id).status
    with pytest.raises(IllegalTransition, match=message.replace("(", r"\(").replace(")", r"\)")):
        _act(factory, action, incident_id, "refused", **fields)
    assert (_timeline(factory, incident_id), _incident(factory, incident_id).status) == (timeline, status)


def test_assigning_to_the_current_assignee_is_refused(db):
    factory, incident_id = db
    _act(factory, actions.assign, incident_id, "a1", assignee="line2")
    with pytest.raises(IllegalTransition, match="already assigned to line2"):
        _act(factory, actions.assign, incident_id, "a2", assignee="line2")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"actor": "  "}, "actor: say who, it is blank"),
        ({"actor": "x" * 129}, "actor: 129 characters, at most 128"),
        ({"via": "pager"}, "via: 'pager' is not one of ui, api, cli, sms, phone, system"),
    ],
)
def test_bad_actor_or_via_is_an_action_error(db, fields, message):
    factory, incident_id = db
    with pytest.raises(ActionError, match=f"^{message}$"):
        _act(factory, actions.acknowledge, incident_id, "r1", **fields)


def test_a_blank_note_or_assignee_is_an_action_error(db):
    factory, incident_id = db
    with pytest.raises(ActionError, match="text: the note is blank"):
        _act(factory, actions.add_note, incident_id, "n1", text="  ")
    with pytest.raises(ActionError, match="assignee: say who"):
        _act(factory, actions.assign, incident_id, "a1", assignee="")


def test_an_unknown_incident_is_not_found(db):
    factory, _ = db
    with pytest.raises(IncidentNotFound, match="^incident 999 not found$"):
        _act(factory, actions.acknowledge, 999, "r1")


def test_the_same_request_twice_is_applied_once_and_answered_alike(db):
    factory, incident_id = db
    first = _act(factory, actions.acknowledge, incident_id, "sms-1")
    timeline = _timeline(factory, incident_id)
    again = _act(factory, actions.acknowledge, incident_id, "sms-1", now=LATER + timedelta(minutes=5))
    assert again == first
    assert _timeline(factory, incident_id) == timeline
    notes = [_act(factory, actions.add_note, incident_id, "note-1", text="same note") for _ in range(2)]
    assert notes[0] == notes[1] and len(_timeline(factory, incident_id)) == len(timeline) + 1


def test_a_request_id_reused_for_another_action_or_incident_is_refused(db):
    factory, incident_id = db
    [other] = _writer(factory, command(OPEN, "k2", group_key="g2"))
    _act(factory, actions.acknowledge, incident_id, "key-1")
    reused = f"'key-1' was already used for acknowledged of incident {incident_id}"
    with pytest.raises(IdempotencyKeyReused, match=reused):
        _act(factory, actions.resolve, incident_id, "key-1")
    with pytest.raises(IdempotencyKeyReused):
        _act(factory, actions.acknowledge, other.incident_id, "key-1")


def test_actions_never_commit(db):
    factory, incident_id = db
    with factory() as session:
        actions.acknowledge(
            session=session, incident_id=incident_id, actor="li.wei", via="sms", now=LATER, request_id="r"
        )
        session.rollback()
    assert _incident(factory, incident_id).status == "triggered"


def test_reopen_is_refused_when_the_group_has_opened_another_incident(db):
    factory, incident_id = db
    _act(factory, actions.resolve, incident_id, "r1")
    [newer] = _writer(factory, command(OPEN, "k2", fingerprint="fp2"))
    with pytest.raises(IllegalTransition, match=f"already on open incident {newer.incident_id}"):
        _act(factory, actions.reopen, incident_id, "r2")


class _Rendezvous:
    """Holds each transaction's first UPDATE of incidents until both have read the incident (or 10 s passed)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.reads = 0
        self.condition = threading.Condition()

    def __call__(self, _conn, _cursor, statement: str, *_args) -> None:
        if statement.startswith("SELECT incidents.id") and "WHERE incidents.id =" in statement:
            with self.condition:
                self.reads += 1
                self.condition.notify_all()
        elif statement.startswith("UPDATE incidents"):
            with self.condition:
                self.condition.wait_for(lambda: self.reads >= 2, timeout=10)

    def __enter__(self) -> "_Rendezvous":
        event.listen(self.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self)


async def test_two_people_acknowledging_at_once_make_exactly_one_acknowledgement(migrated_db):
    engine, factory = migrated_db
    [opened] = _writer(factory, command(OPEN, "k1"))
    published: list[IncidentEvent] = []

    async def publish(announced: IncidentEvent) -> None:
        published.append(announced)

    service = IncidentActions(factory, publish, clock=FakeClock(LATER))
    with _Rendezvous(engine) as rendezvous:
        results = await asyncio.gather(
            service.acknowledge(opened.incident_id, actor="li.wei", via="sms"),
            service.acknowledge(opened.incident_id, actor="desk.wang", via="ui"),
            return_exceptions=True,
        )
    assert rendezvous.reads >= 2  # both read the incident before either wrote it: a real race
    [won] = [result for result in results if isinstance(result, list)]
    [lost] = [result for result in results if isinstance(result, Exception)]
    assert isinstance(lost, IllegalTransition)
    assert f"is already acknowledged by {won[0].actor} at 2026-01-01T08:03:00.000Z (via {won[0].via})" in str(lost)
    with factory() as session:
        acks = session.scalar(
            select(func.count()).select_from(TimelineEvent).where(TimelineEvent.kind == "acknowledged")
        )
    assert acks == 1
    assert published == won


def test_a_firing_alert_attached_after_a_manual_resolve_reopens_the_incident(db):
    factory, incident_id = db
    _act(factory, actions.acknowledge, incident_id, "r0")
    _act(factory, actions.resolve, incident_id, "r1", actor="zhang.min", via="ui")
    events = _writer(factory, command(ATTACH, "k1", fingerprint="fp2"), LATER + timedelta(minutes=1))
    assert [(e.kind, e.incident_id, e.status, e.detail, e.actor) for e in events] == [
        (EventKind.REOPENED, incident_id, "triggered", "re-fired after manual resolve", "system"),
        (EventKind.ALERT_ATTACHED, incident_id, "triggered", "UpsOnBattery on ups-fp2 (major)", "system"),
    ]
    incident = _incident(factory, incident_id)
    assert (incident.resolved_at, incident.acknowledged_by, incident.alert_count) == (None, None, 2)


def test_correlation_resolving_what_a_person_resolved_changes_nothing(db):
    factory, incident_id = db
    [manual] = _act(factory, actions.resolve, incident_id, "r1", actor="zhang.min", via="ui")
    timeline = _timeline(factory, incident_id)
    again = _writer(factory, command(RESOLVE, "k1", fingerprint=None), LATER + timedelta(minutes=5))
    assert again == [manual]  # the person's resolution, re-announced with its id (consumers are idempotent)
    assert _timeline(factory, incident_id) == timeline
    assert _incident(factory, incident_id).resolved_at == LATER


def test_after_a_close_a_re_fire_opens_a_new_incident_that_correlation_keeps_working_on(db):
    factory, incident_id = db
    _act(factory, actions.resolve, incident_id, "r1")
    _act(factory, actions.close, incident_id, "r2", actor="desk.wang", via="ui")
    [opened] = _writer(factory, command(ATTACH, "k1", fingerprint="fp2"), LATER + timedelta(minutes=1))
    assert (opened.kind, opened.incident_key, opened.status) == (EventKind.OPENED, successor_key("k1"), "triggered")
    assert opened.detail == f"opened by UpsOnBattery on ups-fp2 (incident {incident_id} was closed)"
    assert opened.incident_id != incident_id
    # Correlation still calls the group k1: its commands follow to the new incident; the closed one stays closed.
    [attached] = _writer(factory, command(ATTACH, "k1", fingerprint="fp3"), LATER + timedelta(minutes=2))
    [resolved] = _writer(factory, command(RESOLVE, "k1", fingerprint=None), LATER + timedelta(minutes=3))
    assert [(e.kind, e.incident_id) for e in (attached, resolved)] == [
        (EventKind.ALERT_ATTACHED, opened.incident_id), (EventKind.RESOLVED, opened.incident_id)
    ]
    closed = _incident(factory, incident_id)
    assert (closed.status, closed.alert_count) == ("closed", 1)
    assert _incident(factory, opened.incident_id).alert_count == 2


def test_correlation_resolving_a_closed_incident_leaves_it_closed(db):
    factory, incident_id = db
    _act(factory, actions.resolve, incident_id, "r1")
    _act(factory, actions.close, incident_id, "r2")
    [resolved] = _writer(factory, command(RESOLVE, "k1", fingerprint=None), LATER + timedelta(minutes=5))
    assert (resolved.kind, resolved.status, resolved.actor) == (EventKind.RESOLVED, "closed", "li.wei")
    assert _incident(factory, incident_id).status == "closed"


def test_correlation_reopening_a_closed_incident_opens_a_new_one(db):
    factory, incident_id = db
    _act(factory, actions.resolve, incident_id, "r1")
    _act(factory, actions.close, incident_id, "r2")
    [opened] = _writer(factory, command(REOPEN, "k1", fingerprint="fp1"), LATER + timedelta(minutes=5))
    assert (opened.kind, opened.incident_key) == (EventKind.OPENED, successor_key("k1"))
    assert _incident(factory, incident_id).status == "closed"


def test_correlation_rebuilt_after_a_close_sees_the_incident_resolved(db):
    factory, incident_id = db
    _act(factory, actions.resolve, incident_id, "r1")
    _act(factory, actions.close, incident_id, "r2")
    scope = _incident(factory, incident_id).scope
    state = seed_scope(factory, scope, now=LATER, reopen_window=timedelta(hours=1))
    assert (state.clusters["k1"].is_open, state.clusters["k1"].resolved_at) == (False, LATER)


def test_an_alert_resolves_on_the_incident_that_holds_it_after_a_close(db):
    factory, incident_id = db
    _act(factory, actions.resolve, incident_id, "r1")
    _act(factory, actions.close, incident_id, "r2")
    [opened] = _writer(factory, command(ATTACH, "k1", fingerprint="fp2"), LATER)
    [old] = _writer(factory, command(CommandKind.RESOLVE_ALERT, "k1", fingerprint="fp1"), LATER)
    [new] = _writer(factory, command(CommandKind.RESOLVE_ALERT, "k1", fingerprint="fp2"), LATER)
    [lost] = _writer(factory, command(CommandKind.RESOLVE_ALERT, "unknown", fingerprint="fp2", n=1), LATER)
    assert [(e.incident_id, e.alert_count) for e in (old, new, lost)] == [
        (incident_id, 1), (opened.incident_id, 1), (opened.incident_id, 1)
    ]
