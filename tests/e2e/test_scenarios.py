"""End to end: every correlation scenario of tests/scenarios/ through ONE real pipeline (`alertdesk up`, tansu, SQLite).

The pipeline runs with the suite's settings (tests/scenarios/alertdesk.toml: hold-down 2 s,
topology refresh 1 s) and the merged topology of all scenarios, loaded at start-up. The
scenarios' setups are created through the API, then all their alerts are replayed together
(each scenario has its own site, the correlation scope, so they do not interfere), and each
scenario's incidents, pages and suppressed alerts are scored against its expected.yaml. Then
`alertdesk replay tests/scenarios --score` replays everything a second time: it must pass again
and change nothing — no new incident, no new alert on one, no new page, no new suppression.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from alertdesk.cli.common import Broker
from alertdesk.cli.scenario_files import load_scenarios
from alertdesk.cli.scenario_run import ScenarioRunner
from alertdesk.runtime import read_runtime
from alertdesk.settings import load_settings
from streams.clock import SystemClock
from streams.correlation.scoring import Score, format_scores, score
from streams.topics import topic_names
from tests.e2e.harness import Pipeline
from tests.e2e.test_spine import cli

pytestmark = pytest.mark.broker
SUITE = Path(__file__).resolve().parents[1] / "scenarios"
CONFIG = SUITE / "alertdesk.toml"
SETTINGS = load_settings(CONFIG, environ={})
SCENARIOS = load_scenarios(SUITE, now=SystemClock().now())
QUIET_S = SETTINGS.correlation_hold_down_s + 3.0


class SuiteRun:
    """The running pipeline, its runner, and the scores of the first replay."""

    def __init__(self, pipeline: Pipeline, runner: ScenarioRunner, env: dict[str, str], workdir: Path) -> None:
        self.pipeline = pipeline
        self.runner = runner
        self.env = env
        self.workdir = workdir
        self.scores: dict[str, Score] = {}

    def state(self) -> tuple:
        """Everything a replay could change: incidents with their alerts, pages, suppressed alerts."""
        incidents = sorted(
            (i["id"], i["incident_key"], i["alert_count"], i["status"], i["root_component"], i["priority"])
            for i in self.runner.items("/api/incidents")
        )
        pages = sorted((p["incident_id"], p["escalation_level"], p["attempt"]) for p in self.runner.items("/api/pages"))
        suppressed = sorted((s["fingerprint"], s["starts_at"], s["status"]) for s in self.runner.items("/api/suppressed-alerts"))
        return incidents, pages, suppressed


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> SuiteRun:
    workdir = tmp_path_factory.mktemp("scenarios")
    env = {
        "ALERTDESK_CONFIG": str(CONFIG),
        "ALERTDESK_DATA_DIR": str(workdir / "var"),
        "ALERTDESK_DATABASE_URL": f"sqlite:///{workdir / 'var' / 'alertdesk.db'}",
        "ALERTDESK_TOPOLOGY_FILES": ",".join(str(scenario.topology_file) for scenario in SCENARIOS),
        "ALERTDESK_LOG_LEVEL": "warning",
    }
    with Pipeline(workdir, env) as pipeline:
        runtime = read_runtime(workdir / "var")
        broker = Broker(",".join(runtime.bootstrap_servers), topic_names(runtime.topic_prefix))
        clock = SystemClock()
        runner = ScenarioRunner(pipeline.url, broker, clock, headers=pipeline.auth)
        run = SuiteRun(pipeline, runner, {**env, "ALERTDESK_HTTP_PORT": str(pipeline.port)}, workdir)
        runner.setup(SCENARIOS, clock.now())
        sent = runner.replay(SCENARIOS, speed=1.0)
        runner.wait_quiet(quiet_s=QUIET_S, timeout_s=120)
        run.scores = {scenario.name: score(scenario.expected, runner.outcome(scenario, sent)) for scenario in SCENARIOS}
        print(format_scores(run.scores.values()))
        yield run


@pytest.mark.parametrize("name", [scenario.name for scenario in SCENARIOS])
def test_scenario_meets_its_expectations_through_the_pipeline(suite: SuiteRun, name: str) -> None:
    result = suite.scores[name]
    assert result.failures == (), format_scores([result])
    assert (result.matched, result.precision, result.recall) == (result.expected, 1.0, 1.0)


def test_the_storm_pages_a_handful_of_times_for_many_alerts(suite: SuiteRun) -> None:
    storm = suite.scores["ac-failure"]
    assert storm.alerts == 40 and 1 <= storm.pages <= 3


def test_replaying_everything_twice_changes_nothing(suite: SuiteRun) -> None:
    before = suite.state()
    again = cli(suite.env, "replay", str(SUITE), "--score", "--speed", "0", "--api", suite.pipeline.url, cwd=suite.workdir)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "total (min p/r)" in again.stdout and f"{len(SCENARIOS)}/{len(SCENARIOS)}" in again.stdout
    assert suite.state() == before
