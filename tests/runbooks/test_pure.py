"""Pure runbook logic: sandboxed rendering with hostile input, trigger matching, the allow-list plan."""
from __future__ import annotations

import pytest

from runbooks.automation import plan_action
from runbooks.model import CommandAction, HttpAction, Start
from runbooks.render import RenderError, incident_context, render
from runbooks.triggers import IncidentView, decide_starts
from tests.runbooks.fixtures import SAMPLE, sample_runbook

HOSTILE = "{{ ''.__class__.__mro__[1].__subclasses__() }}"


def context(**labels: str):
    return incident_context({"id": 1, "root_component": "dc1.ups-1", "site": "dc1"}, [{"name": "X", "labels": labels}])


def test_a_hostile_label_is_shown_as_text_never_evaluated():
    assert render("rack {{ incident.labels.rack }}", context(rack=HOSTILE)) == f"rack {HOSTILE}"


@pytest.mark.parametrize(
    "template, refusal",
    [
        ("{{ incident.labels.rack.__class__.__base__.__subclasses__() }}", "SecurityError"),
        ("{% for x in range(10**9) %}{% endfor %}", "Range too big"),
        ("{{ incident.update({'id': 2}) }}", "SecurityError"),
    ],
)
def test_the_sandbox_refuses_hostile_templates(template, refusal):
    with pytest.raises(RenderError, match=refusal):
        render(template, context(rack="A01"))


@pytest.mark.parametrize("template", ["{{ incident.__class__.__mro__ }}", "{{ cycler.__init__.__globals__ }}"])
def test_underscore_attributes_render_as_nothing(template):
    assert render("[" + template + "]", context(rack="A01")) == "[]"


def test_oversized_output_is_refused():
    with pytest.raises(RenderError, match="more than"):
        render("{% for x in range(30000) %}x{% endfor %}", context())


def view(**fields) -> IncidentView:
    base = dict(id=1, status="triggered", category="power", root_kind="ups", priority="P1", major=False, drill=False, alerts=())
    return IncidentView(**{**base, **fields})


@pytest.mark.parametrize(
    "event, incident, started",
    [
        ("opened", view(), True),  # category power, P1 <= P2
        ("opened", view(priority="P3"), False),  # below min_priority
        ("priority_changed", view(priority="P3"), False),
        ("priority_changed", view(priority="P2"), False),  # the sample does not listen to priority changes
        ("major_declared", view(category="cooling", alerts=(("SampleAlert", {}),)), True),  # second clause
        ("opened", view(category="cooling"), False),
        ("opened", view(drill=True), False),  # drills start their runbook themselves
        ("opened", view(status="resolved"), False),
        ("acknowledged", view(), False),
    ],
)
def test_trigger_matching(event, incident, started):
    decisions = decide_starts(event, incident, [sample_runbook()])
    assert [decision.runbook_id for decision in decisions] == (["sample"] if started else [])
    assert all(decision.start is Start.AUTO for decision in decisions)


def test_labels_must_all_hold_on_one_alert():
    runbook = sample_runbook(
        SAMPLE.replace("- alertnames: [SampleAlert]", "- labels: {role: db-primary, site: dc1}")
    )
    both = view(category="x", alerts=(("A", {"role": "db-primary", "site": "dc1"}),))
    split = view(category="x", alerts=(("A", {"role": "db-primary"}), ("B", {"site": "dc1"})))
    assert decide_starts("opened", both, [runbook]) and not decide_starts("opened", split, [runbook])


def test_a_command_not_on_the_allow_list_is_planned_as_refused():
    action = CommandAction(argv=("rm", "-rf", "{{ incident.labels.rack }}"), timeout_s=5)
    plan = plan_action(action, context(rack="/"), frozenset({"ups-status"}))
    assert not plan.allowed and "not on the allow-list" in plan.refusal
    assert plan.display.startswith("$ rm -rf /")


def test_only_arguments_are_rendered_never_the_program_or_url():
    command = plan_action(CommandAction(("{{ incident.labels.p }}", "{{ incident.labels.p }}"), 5), context(p="sh"), frozenset({"sh"}))
    assert command.argv == ("{{ incident.labels.p }}", "sh") and not command.allowed
    http = plan_action(HttpAction("POST", "http://h/{{ x }}", 5, body='{"r": {{ incident.labels.p | tojson }}}'), context(p='a"b'), frozenset())
    assert http.url == "http://h/{{ x }}" and http.body == '{"r": "a\\"b"}' and http.allowed
