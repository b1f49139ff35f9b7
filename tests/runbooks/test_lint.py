"""`alertdesk runbook lint`'s checks: schema errors and cross-checks with file:line, and the shipped library."""
from __future__ import annotations

from pathlib import Path

import pytest

from runbooks.catalogue import LIBRARY, CatalogueError, load_catalogue, load_schema
from runbooks.lint import lint_text
from runbooks.model import LANGUAGES
from runbooks.render import incident_context, render
from tests.runbooks.fixtures import SAMPLE

SHIPPED = sorted(LIBRARY.glob("*.yaml"))
REQUIRED = {
    "ac-failure", "ups-on-battery", "pdu-power-loss", "water-leak", "smoke-fire", "core-switch-failure",
    "db-primary-failover", "restore-from-backup", "monitoring-lost",
}


def errors_of(text: str) -> list[str]:
    return [str(error) for error in lint_text(text, "rb.yaml", load_schema()).errors]


def test_the_library_has_every_required_runbook_and_each_passes_lint():
    catalogue = load_catalogue()
    assert set(catalogue.runbooks) == REQUIRED


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_step_of_a_shipped_runbook_renders_in_both_languages(path: Path):
    runbook = load_catalogue().get(path.stem)  # a shipped file is named after its runbook id
    context = incident_context(
        {"id": 7, "title": "t", "site": "dc1", "priority": "P1", "major": True, "root_component": "dc1.ups-1",
         "root_name": "1号UPS", "services": ["billing"], "alert_count": 3},
        [{"name": "UPSOnBattery", "labels": {"rack": "A01", "instance": "db-1", "heartbeat": "prom"}, "component": "dc1.ups-1"}],
    )
    for step in runbook.steps + runbook.rollback:
        for language in LANGUAGES:
            text = render(step.text.get(language), context)
            assert text.strip() and "{{" not in text and "{%" not in text
        assert step.title.zh != step.title.en


def test_an_unknown_key_is_reported_with_its_line():
    text = SAMPLE.replace("    expected_minutes: 5\n", "    expected_minutes: 5\n    expeted: 3\n", 1)
    errors = errors_of(text)
    assert len(errors) == 1 and errors[0].startswith("rb.yaml:")
    assert "'expeted' was unexpected" in errors[0]


def test_a_missing_language_names_the_field_and_line():
    text = SAMPLE.replace("title: {zh-CN: 查看, en: Look}", "title: {zh-CN: 查看}")
    (error,) = errors_of(text)
    line = SAMPLE.splitlines().index("    title: {zh-CN: 查看, en: Look}") + 1
    assert error == f"rb.yaml:{line}: steps/0/title: 'en' is a required property"


@pytest.mark.parametrize(
    "change, expected",
    [
        (("goto: finish", "goto: look"), "goes to 'look', which is not a later step"),
        (("- id: finish", "- id: look"), "step id 'look' already used in steps/0"),
        (("    role: duty\n    expected_minutes: 5", "    role: nobody\n    expected_minutes: 5"), "role 'nobody' is not in roles"),
        (('"Look at {{ incident.root_component }}"', '"Look at {{ incident.root_component "'), "template does not compile"),
        (('argv: [echo, "{{ incident.labels.rack }}"]', "argv: []"), "should be non-empty"),
        (("type: command", "type: shell"), "action type must be 'http' or 'command'"),
        (("kind: decision\n", "kind: manual\n"), "'options' belongs on a decision step, this is manual"),
    ],
)
def test_cross_checks(change, expected):
    errors = errors_of(SAMPLE.replace(*change, 1))
    assert any(expected in error and error.startswith("rb.yaml:") for error in errors), errors


def test_duplicate_keys_and_bad_yaml_are_errors():
    assert any("appears twice" in e for e in errors_of(SAMPLE.replace("id: sample\n", "id: sample\nid: again\n")))
    (error,) = errors_of("id: [unclosed\n")
    assert error.startswith("rb.yaml:") and "not valid YAML" in error


def test_a_broken_file_in_a_configured_folder_stops_the_catalogue(tmp_path):
    (tmp_path / "bad.yaml").write_text("id: x\n", "utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue([tmp_path])
    assert "bad.yaml" in str(caught.value) and "'title' is a required property" in str(caught.value)


def test_a_configured_folder_may_replace_a_shipped_runbook(tmp_path):
    (tmp_path / "mine.yaml").write_text((LIBRARY / "water-leak.yaml").read_text("utf-8").replace("version: 1", "version: 9"), "utf-8")
    assert load_catalogue([tmp_path]).get("water-leak").version == 9
