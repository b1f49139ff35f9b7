"""The scenario format: strict parsing with line numbers, body checks through normalize, and a pure schedule."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from streams.alerts.scenario import Due, ScenarioError, ScenarioLine, check_bodies, parse_scenario, schedule

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "scenarios" / "ups-on-battery.jsonl"
GENERIC = {"name": "UPSOnBattery", "resource": "ups-1", "site": "dc1"}
GENERIC_TEXT = json.dumps(GENERIC, separators=(",", ":"))


def line(at: object, source: object = "generic", body: object = GENERIC, **extra: object) -> str:
    return json.dumps({"at": at, "source": source, "body": body, **extra}, ensure_ascii=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ()),
        ("# only a comment\n\n   \n", ()),
        (line(0), (ScenarioLine(1, 0.0, "generic", GENERIC_TEXT),)),
        (
            f"# storm\n{line(0)}\n\n  # indented comment\n{line(1.5, 'alertmanager-api', [{'labels': {'alertname': 'X'}}])}\n{line(1.5)}",
            (
                ScenarioLine(2, 0.0, "generic", GENERIC_TEXT),
                ScenarioLine(5, 1.5, "alertmanager-api", '[{"labels":{"alertname":"X"}}]'),
                ScenarioLine(6, 1.5, "generic", GENERIC_TEXT),
            ),
        ),
        (line(2, body={"name": "温度过高", "resource": "机柜-1"}), (ScenarioLine(1, 2.0, "generic", '{"name":"温度过高","resource":"机柜-1"}'),)),
        (line(0, body="not an object"), (ScenarioLine(1, 0.0, "generic", '"not an object"'),)),  # the parser judges bodies
    ],
)
def test_parse_accepts(text: str, expected: tuple[ScenarioLine, ...]) -> None:
    assert parse_scenario(text) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("{not json", "line 1: not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        (f"{line(0)}\n[1, 2]", "line 2: must be a JSON object with 'at', 'source' and 'body'"),
        ('{"at": 0, "source": "generic"}', "line 1: 'body' is required"),
        ('{"source": "generic", "body": {}}', "line 1: 'at' is required"),
        (line(0, note="hi"), "line 1: unknown key 'note'; allowed keys are at, source, body"),
        (f"# c\n\n{line(0)}\n# c\n\n\n{line(-1)}", "line 7: 'at' must be a number ≥ 0 (seconds from the start, at most 604800)"),
        (line("1"), "line 1: 'at' must be a number ≥ 0 (seconds from the start, at most 604800)"),
        (line(True), "line 1: 'at' must be a number ≥ 0 (seconds from the start, at most 604800)"),
        (line(None), "line 1: 'at' must be a number ≥ 0 (seconds from the start, at most 604800)"),
        (line(1e300), "line 1: 'at' must be a number ≥ 0 (seconds from the start, at most 604800)"),
        ('{"at": NaN, "source": "generic", "body": {}}', "line 1: not valid JSON: NaN is not a JSON number"),
        ('{"at": 1, "at": 2, "source": "generic", "body": {}}', "line 1: not valid JSON: key 'at' appears twice in one object"),
        (line(0, source="no-such-source"), "line 1: 'source' must be one of "),
        (line(0, source=7), "line 1: 'source' must be one of "),
        (f"{line(0)}\n{line(5)}\n{line(4.5)}", "line 3: 'at' 4.5 is before 5 on line 2; lines must be in time order"),
    ],
)
def test_parse_refuses_with_the_line_number(text: str, error: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(text)
    assert str(refused.value).startswith(error)
    assert refused.value.line == int(error.split(":")[0].removeprefix("line "))


def test_check_bodies_counts_alerts_and_names_the_refused_line() -> None:
    ok = parse_scenario(f"{line(0)}\n{line(1, body=[GENERIC, {**GENERIC, 'resource': 'ups-2'}])}")
    assert check_bodies(ok, now=NOW) == (1, 2)

    bad = parse_scenario(f"{line(0)}\n# c\n{line(1, body={'name': 'x'})}")
    with pytest.raises(ScenarioError, match=r"^line 3: generic refuses the body: alert #0: 'resource' is required$"):
        check_bodies(bad, now=NOW)


LINES = (ScenarioLine(1, 0.0, "generic", "a"), ScenarioLine(3, 2.0, "generic", "b"), ScenarioLine(4, 10.0, "alertmanager-api", "c"))


@pytest.mark.parametrize(
    ("speed", "offsets"),
    [
        (1, (0, 2, 10)),
        (2, (0, 1, 5)),
        (0.5, (0, 4, 20)),
        (0, (0, 0, 0)),  # as fast as possible: everything due now, order kept
    ],
)
def test_schedule(speed: float, offsets: tuple[float, ...]) -> None:
    assert schedule(LINES, now=NOW, speed=speed) == tuple(
        Due(NOW + timedelta(seconds=s), entry.source, entry.body, entry.line) for s, entry in zip(offsets, LINES)
    )


@pytest.mark.parametrize("speed", [-1, float("nan"), float("inf"), 1e-320])
def test_schedule_refuses_a_bad_speed(speed: float) -> None:
    with pytest.raises(ValueError, match="speed"):
        schedule(LINES, now=NOW, speed=speed)


def test_the_shipped_example_is_valid_and_tells_its_story() -> None:
    lines = parse_scenario(EXAMPLE.read_text("utf-8"))
    assert check_bodies(lines, now=NOW + timedelta(days=3650)) == (1, 3, 1, 1, 1, 4, 1)
    assert [entry.at for entry in lines] == [0, 2, 3.5, 5, 30, 31, 32]
    assert schedule(lines, now=NOW, speed=0)[-1].due_at == NOW
