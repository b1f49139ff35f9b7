"""The execution state machine: the order of steps, sign-off, decisions, dangerous steps, actions, abort, rollback."""
from __future__ import annotations

from datetime import timedelta

import pytest

from runbooks.execution import (
    ExecutionStatus,
    IllegalTransition,
    StepStatus,
    Verb,
    abort,
    accept,
    act,
    action_finished,
    decline,
    new_execution,
    rollback,
)
from runbooks.model import Start
from tests.runbooks.fixtures import NOW, sample_runbook

RUNBOOK = sample_runbook()
LATER = NOW + timedelta(minutes=3)


def step(state, step_id):
    return next(s for s in state.steps if s.step_id == step_id and s.phase == "main")


def through_choice(choice="slow"):
    state = new_execution(RUNBOOK, Start.AUTO, NOW)
    state = act(state, RUNBOOK, "look", Verb.COMPLETE, actor="li", now=LATER).state
    return act(state, RUNBOOK, "choose", Verb.COMPLETE, actor="li", now=LATER, choice=choice).state


def test_a_new_execution_runs_its_first_step_with_a_due_time():
    state = new_execution(RUNBOOK, Start.AUTO, NOW)
    assert state.status is ExecutionStatus.RUNNING
    first = state.current()
    assert (first.step_id, first.since, first.due_at) == ("look", NOW, NOW + timedelta(minutes=5))


def test_steps_go_in_order_and_each_sign_off_names_who_and_when():
    state = new_execution(RUNBOOK, Start.AUTO, NOW)
    with pytest.raises(IllegalTransition, match="not the current step; the current step is 'look'"):
        act(state, RUNBOOK, "finish", Verb.COMPLETE, actor="li", now=LATER)
    state = act(state, RUNBOOK, "look", Verb.BEGIN, actor="li", now=NOW).state
    outcome = act(state, RUNBOOK, "look", Verb.COMPLETE, actor="li", now=LATER, note="22 °C")
    done = step(outcome.state, "look")
    assert (done.status, done.by, done.at, done.note) == (StepStatus.DONE, "li", LATER, "22 °C")
    assert outcome.state.current().step_id == "choose" and outcome.state.current().since == LATER
    assert "done by li: 22 °C" in outcome.detail


@pytest.mark.parametrize(
    "verb, kwargs, message",
    [
        (Verb.SKIP, {}, "a reason to skip is required"),
        (Verb.FAIL, {}, "what went wrong is required"),
        (Verb.CONFIRM, {}, "cannot confirm step 'look': it is pending"),
        (Verb.APPROVE, {}, "has no automated action to approve"),
        (Verb.COMPLETE, {"choice": "fast"}, "is not a decision"),
    ],
)
def test_illegal_step_moves_are_refused_with_a_reason(verb, kwargs, message):
    state = new_execution(RUNBOOK, Start.AUTO, NOW)
    with pytest.raises(IllegalTransition, match=message):
        act(state, RUNBOOK, "look", verb, actor="li", now=LATER, **kwargs)


def test_a_decision_needs_a_choice_and_its_jump_skips_the_steps_in_between():
    state = act(new_execution(RUNBOOK, Start.AUTO, NOW), RUNBOOK, "look", Verb.COMPLETE, actor="li", now=LATER).state
    with pytest.raises(IllegalTransition, match="choose one of fast, slow"):
        act(state, RUNBOOK, "choose", Verb.COMPLETE, actor="li", now=LATER)
    state = through_choice("fast")
    assert [step(state, s).status for s in ("bypass", "query")] == [StepStatus.SKIPPED, StepStatus.SKIPPED]
    assert step(state, "bypass").reason == "decision choose: fast" and state.current().step_id == "finish"


def test_a_dangerous_step_needs_a_second_different_operator():
    state = act(through_choice(), RUNBOOK, "bypass", Verb.COMPLETE, actor="li", now=LATER).state
    assert step(state, "bypass").status is StepStatus.AWAITING_CONFIRMATION and state.current().step_id == "bypass"
    with pytest.raises(IllegalTransition, match="needs a second, different operator; li signed it off already"):
        act(state, RUNBOOK, "bypass", Verb.CONFIRM, actor="li", now=LATER)
    state = act(state, RUNBOOK, "bypass", Verb.CONFIRM, actor="wang", now=LATER).state
    confirmed = step(state, "bypass")
    assert (confirmed.status, confirmed.by, confirmed.confirmed_by) == (StepStatus.DONE, "li", "wang")


def test_an_action_runs_only_after_approval_and_its_result_decides_the_step():
    state = act(act(through_choice(), RUNBOOK, "bypass", Verb.COMPLETE, actor="li", now=LATER).state,
                RUNBOOK, "bypass", Verb.CONFIRM, actor="wang", now=LATER).state
    with pytest.raises(IllegalTransition, match="automated action: approve it"):
        act(state, RUNBOOK, "query", Verb.COMPLETE, actor="li", now=LATER)
    approved = act(state, RUNBOOK, "query", Verb.APPROVE, actor="li", now=LATER)
    assert approved.run_action and step(approved.state, "query").action_state == "running"
    with pytest.raises(IllegalTransition, match="is running"):
        act(approved.state, RUNBOOK, "query", Verb.APPROVE, actor="wang", now=LATER)
    failed = action_finished(approved.state, RUNBOOK, "query", ok=False, output="exit 1", now=LATER).state
    assert step(failed, "query").status is StepStatus.FAILED
    retried = act(failed, RUNBOOK, "query", Verb.APPROVE, actor="li", now=LATER)
    ok = action_finished(retried.state, RUNBOOK, "query", ok=True, output="exit 0", now=LATER).state
    assert step(ok, "query").status is StepStatus.DONE and ok.current().step_id == "finish"


def test_the_last_step_completes_the_execution_and_nothing_moves_afterwards():
    state = through_choice("fast")
    outcome = act(state, RUNBOOK, "finish", Verb.SKIP, actor="li", now=LATER, reason="not needed")
    assert outcome.finished and outcome.state.status is ExecutionStatus.COMPLETED
    with pytest.raises(IllegalTransition, match="the execution is completed"):
        act(outcome.state, RUNBOOK, "finish", Verb.BEGIN, actor="li", now=LATER)
    with pytest.raises(IllegalTransition, match="cannot abort: the execution is completed"):
        abort(outcome.state, RUNBOOK, "li", "x")


def test_offered_runbooks_are_accepted_or_declined():
    offered = new_execution(RUNBOOK, Start.OFFER, NOW)
    assert offered.status is ExecutionStatus.OFFERED and offered.current() is None
    with pytest.raises(IllegalTransition, match="a reason to decline is required"):
        decline(offered, RUNBOOK, "li", " ")
    assert decline(offered, RUNBOOK, "li", "false alarm").state.status is ExecutionStatus.DECLINED
    running = accept(offered, RUNBOOK, "li", LATER).state
    assert running.status is ExecutionStatus.RUNNING and running.current().since == LATER
    with pytest.raises(IllegalTransition, match="cannot accept: the execution is running"):
        accept(running, RUNBOOK, "li", LATER)


def test_abort_then_rollback_runs_the_rollback_steps_to_the_end():
    aborted = abort(through_choice(), RUNBOOK, "li", "wrong runbook").state
    assert aborted.status is ExecutionStatus.ABORTED and aborted.current() is None
    rolling = rollback(aborted, RUNBOOK, "li", "undo the bypass", LATER).state
    assert rolling.status is ExecutionStatus.ROLLING_BACK and rolling.current().step_id == "undo"
    done = act(rolling, RUNBOOK, "undo", Verb.COMPLETE, actor="li", now=LATER)
    assert done.finished and done.state.status is ExecutionStatus.ROLLED_BACK
    with pytest.raises(IllegalTransition, match="cannot roll back: the execution is rolled_back"):
        rollback(done.state, RUNBOOK, "li", "again", LATER)
