"""The incident lifecycle table: every status × action, allowed or refused with a message a person understands."""
from __future__ import annotations

import pytest

from incidents.lifecycle import (
    Action,
    IllegalTransition,
    LastChange,
    Status,
    allowed_actions,
    check_assignee,
    next_status,
)
from tests.incidents.builders import NOW

T, A, R, C = Status.TRIGGERED, Status.ACKNOWLEDGED, Status.RESOLVED, Status.CLOSED
ACK, RESOLVE, CLOSE, REOPEN, ASSIGN, NOTE, ESCALATE, LINK = (
    Action.ACKNOWLEDGE, Action.RESOLVE, Action.CLOSE, Action.REOPEN, Action.ASSIGN, Action.NOTE, Action.ESCALATE,
    Action.LINK,
)

ALLOWED = [
    (T, ACK, A),
    (T, RESOLVE, R),
    (T, ASSIGN, T),
    (T, NOTE, T),
    (T, ESCALATE, T),
    (T, LINK, T),
    (A, RESOLVE, R),
    (A, ASSIGN, A),
    (A, NOTE, A),
    (A, ESCALATE, A),
    (A, LINK, A),
    (R, CLOSE, C),
    (R, REOPEN, T),
    (R, ASSIGN, R),
    (R, NOTE, R),
    (R, LINK, R),
]

REFUSED = [
    (T, CLOSE, "cannot close: incident 7 is not resolved yet: resolve it before closing it"),
    (T, REOPEN, "cannot reopen: incident 7 is open (triggered): only a resolved incident can be reopened"),
    (A, ACK, "cannot acknowledge: incident 7 is already acknowledged"),
    (A, CLOSE, "cannot close: incident 7 is not resolved yet: resolve it before closing it"),
    (A, REOPEN, "cannot reopen: incident 7 is open (acknowledged): only a resolved incident can be reopened"),
    (R, ACK, "cannot acknowledge: incident 7 is resolved: reopen it before acknowledging it"),
    (R, RESOLVE, "cannot resolve: incident 7 is already resolved"),
    (R, ESCALATE, "cannot escalate: incident 7 is resolved: there is nobody left to page; reopen it first"),
    (C, ACK, "cannot acknowledge: incident 7 is closed: a closed incident cannot be changed"),
    (C, RESOLVE, "cannot resolve: incident 7 is closed: a closed incident cannot be changed"),
    (C, CLOSE, "cannot close: incident 7 is closed: a closed incident cannot be changed"),
    (C, REOPEN,
     "cannot reopen: incident 7 is closed and cannot be reopened; if the problem is back, a new incident opens"),
    (C, ASSIGN, "cannot assign: incident 7 is closed: a closed incident cannot be changed"),
    (C, NOTE, "cannot add a note: incident 7 is closed: a closed incident cannot be changed"),
    (C, ESCALATE, "cannot escalate: incident 7 is closed: a closed incident cannot be changed"),
    (C, LINK, "cannot link: incident 7 is closed: a closed incident cannot be changed"),
]


def test_the_table_covers_every_status_and_action():
    pairs = {(status, action) for status, action, _ in ALLOWED} | {(status, action) for status, action, _ in REFUSED}
    assert pairs == {(status, action) for status in Status for action in Action}


@pytest.mark.parametrize(("current", "action", "following"), ALLOWED)
def test_allowed_transitions(current, action, following):
    assert next_status(current, action) is following
    assert next_status(str(current), str(action)) is following  # the strings the database holds work as well


@pytest.mark.parametrize(("current", "action", "message"), REFUSED)
def test_refused_transitions_say_why(current, action, message):
    with pytest.raises(IllegalTransition) as refused:
        next_status(current, action, incident_id=7)
    assert str(refused.value) == message


def test_already_acknowledged_names_who_when_and_via_what():
    last = LastChange(actor="li.wei", via="sms", at=NOW)
    with pytest.raises(IllegalTransition) as refused:
        next_status("acknowledged", "acknowledge", incident_id=7, last=last)
    assert str(refused.value) == (
        "cannot acknowledge: incident 7 is already acknowledged by li.wei at 2026-01-01T08:00:00.000Z (via sms)"
    )


def test_already_resolved_names_who_resolved_it():
    last = LastChange(actor="zhang.min", via="ui", at=NOW)
    with pytest.raises(IllegalTransition, match=r"already resolved by zhang\.min at .* \(via ui\)$"):
        next_status("resolved", "resolve", incident_id=7, last=last)


def test_who_is_not_named_when_the_refusal_is_not_about_someone_else():
    last = LastChange(actor="li.wei", via="sms", at=NOW)
    with pytest.raises(IllegalTransition) as refused:
        next_status("triggered", "close", last=last)
    assert str(refused.value) == "cannot close: the incident is not resolved yet: resolve it before closing it"


def test_an_illegal_transition_is_a_value_error():
    assert issubclass(IllegalTransition, ValueError)


@pytest.mark.parametrize(
    ("current", "action", "message"),
    [
        ("open", "acknowledge", "status 'open' is not one of triggered, acknowledged, resolved, closed"),
        ("triggered", "ack", "action 'ack' is not one of acknowledge, resolve, close, reopen, assign, note, escalate, link"),
    ],
)
def test_unknown_status_or_action_is_named(current, action, message):
    with pytest.raises(ValueError) as refused:
        next_status(current, action)
    assert not isinstance(refused.value, IllegalTransition)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("current", "actions"),
    [
        ("triggered", (ACK, RESOLVE, ASSIGN, NOTE, ESCALATE, LINK)),
        ("acknowledged", (RESOLVE, ASSIGN, NOTE, ESCALATE, LINK)),
        ("resolved", (CLOSE, REOPEN, ASSIGN, NOTE, LINK)),
        ("closed", ()),
    ],
)
def test_allowed_actions(current, actions):
    assert allowed_actions(current) == actions


@pytest.mark.parametrize(
    ("current", "wanted", "result"),
    [(None, "line2", "line2"), ("line1", " line2 ", "line2"), ("li.wei", "line2", "line2")],
)
def test_assignee_is_taken_stripped(current, wanted, result):
    assert check_assignee(current, wanted) == result


def test_assigning_to_the_current_assignee_is_refused():
    with pytest.raises(IllegalTransition, match="^cannot assign: incident 7 is already assigned to line2$"):
        check_assignee("line2", "line2 ", incident_id=7)


def test_a_blank_assignee_is_a_bad_request_not_a_transition():
    with pytest.raises(ValueError, match="assignee: say who") as refused:
        check_assignee(None, "  ")
    assert not isinstance(refused.value, IllegalTransition)
