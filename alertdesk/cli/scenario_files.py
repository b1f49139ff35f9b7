"""I/O: read correlation scenarios from disk — a folder with topology.yaml, alerts.jsonl and expected.yaml,
or a suite folder holding several of them.

The format is docs/scenarios.md ("Correlation scenarios"). Reading checks everything a replay
would (the topology validates, every line parses and its body normalizes, expected.yaml has the
documented shape) and fails with the file and line named, before anything is sent.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from streams.alerts.model import Envelope
from streams.alerts.normalize import normalize
from streams.alerts.scenario import CONTENT_TYPE, ScenarioError, ScenarioLine, parse_scenario
from streams.correlation.expectations import AlertKey, ExpectationError, Expectations, parse_expectations

TOPOLOGY, ALERTS, EXPECTED = "topology.yaml", "alerts.jsonl", "expected.yaml"


class ScenarioFilesError(ValueError):
    """A scenario folder that is incomplete or does not parse; the message names the file."""


@dataclass(frozen=True)
class Scenario:
    """One correlation scenario: its folder, timed alert lines (with the alert keys of each) and expectations."""

    folder: Path
    lines: tuple[ScenarioLine, ...]
    keys_by_line: dict[int, tuple[AlertKey, ...]]
    expected: Expectations

    @property
    def name(self) -> str:
        """The folder's name."""
        return self.folder.name

    @property
    def topology_file(self) -> Path:
        """Its topology file."""
        return self.folder / TOPOLOGY


def is_scenario_folder(path: Path) -> bool:
    """True when `path` holds a scenario's three files."""
    return all((path / name).is_file() for name in (TOPOLOGY, ALERTS, EXPECTED))


def load_scenarios(path: Path, *, now: datetime) -> list[Scenario]:
    """One scenario folder, or every scenario folder directly inside a suite folder (sorted by name).

    Raises:
        ScenarioFilesError: no scenario there, a file missing or unreadable, or any line or expectation invalid.
    """
    folders = [path] if is_scenario_folder(path) else sorted(p for p in path.iterdir() if is_scenario_folder(p))
    if not folders:
        raise ScenarioFilesError(f"{path}: not a scenario folder ({TOPOLOGY}, {ALERTS}, {EXPECTED}) nor a folder of them")
    scenarios = [load_scenario(folder, now=now) for folder in folders]
    sites: dict[str, str] = {}
    for scenario in scenarios:
        other = sites.setdefault(scenario.expected.site, scenario.name)
        if other != scenario.name:
            raise ScenarioFilesError(f"{scenario.folder / EXPECTED}: site {scenario.expected.site!r} is also {other}'s")
    return scenarios


def load_scenario(folder: Path, *, now: datetime) -> Scenario:
    """Read and check one scenario folder (`now` is the receive time bodies are checked at).

    Raises:
        ScenarioFilesError: as `load_scenarios`.
    """
    alerts_file, expected_file = folder / ALERTS, folder / EXPECTED
    try:
        lines = parse_scenario(alerts_file.read_text("utf-8"))
        keys_by_line = {line.line: _alert_keys(line, now) for line in lines}
        expected = parse_expectations(yaml.safe_load(expected_file.read_text("utf-8")), name=folder.name, where=str(expected_file))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ScenarioFilesError(f"{folder}: cannot read: {exc}") from exc
    except ScenarioError as exc:
        raise ScenarioFilesError(f"{alerts_file}: {exc}") from exc
    except ExpectationError as exc:
        raise ScenarioFilesError(str(exc)) from exc
    return Scenario(folder, lines, keys_by_line, expected)


def _alert_keys(line: ScenarioLine, now: datetime) -> tuple[AlertKey, ...]:
    """The (resource, name) of each alert in the line's body, as normalize reads it (refused: ScenarioError)."""
    result = normalize(Envelope(line.source, now, CONTENT_TYPE, line.body, f"check-{line.line}"))
    if result.refused:
        raise ScenarioError(line.line, f"{line.source} refuses the body: {result.error}")
    return tuple((alert.resource, alert.name) for alert in result.alerts)
