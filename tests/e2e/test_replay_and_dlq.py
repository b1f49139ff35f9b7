"""End to end: `alertdesk replay` plays a scenario into a running `up`; `alertdesk dlq` lists and re-sends dead letters."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from alertdesk.runtime import read_runtime
from streams.alerts.model import Envelope
from streams.kafka_admin import RawProducer, read_topic
from streams.topics import topic_names
from tests.e2e.harness import Pipeline, wait_for
from tests.e2e.test_spine import cli

pytestmark = pytest.mark.broker
EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "scenarios" / "ups-on-battery.jsonl"


def test_replay_of_the_shipped_ups_scenario_opens_and_resolves_its_incidents(tmp_path: Path, sqlite_env) -> None:
    with Pipeline(tmp_path, sqlite_env) as pipeline:
        replayed = cli(sqlite_env, "replay", str(EXAMPLE), "--speed", "0", cwd=tmp_path)
        assert replayed.returncode == 0, replayed.stderr
        assert "line 9: sent 1 alert(s) as generic" in replayed.stdout
        assert "line 16: sent 1 alert(s) as alertmanager-api" in replayed.stdout
        assert f"replayed 7 line(s), 12 alert(s) from {EXAMPLE}" in replayed.stdout

        def all_resolved() -> dict[str, tuple[str, int]]:
            found = {i["title"]: (i["status"], i["alert_count"]) for i in pipeline.incidents()}
            return found if len(found) == 3 and {status for status, _ in found.values()} == {"resolved"} else {}

        assert wait_for(all_resolved, timeout=60, what="three incidents, all resolved") == {
            "UPSOnBattery at site dc1": ("resolved", 1),
            "RackPowerFeedLost at site dc1": ("resolved", 4),
            "UPSBatteryRuntimeLow at site dc1": ("resolved", 1),
        }


def test_replay_refuses_a_scenario_with_a_bad_body_and_sends_nothing(tmp_path: Path, sqlite_env) -> None:
    scenario = tmp_path / "bad.jsonl"
    scenario.write_text(EXAMPLE.read_text("utf-8") + '{"at": 40, "source": "generic", "body": {"name": "X"}}\n', "utf-8")
    refused = cli(sqlite_env, "replay", str(scenario), cwd=tmp_path)  # no pipeline needed: checked before connecting
    assert refused.returncode == 1
    last = len(scenario.read_text("utf-8").splitlines())
    assert f"line {last}: generic refuses the body: alert #0: 'resource' is required; nothing sent" in refused.stderr


def test_dlq_lists_an_unparseable_envelope_and_replay_sends_it_back_unchanged(tmp_path: Path, sqlite_env) -> None:
    with Pipeline(tmp_path, sqlite_env):
        runtime = read_runtime(Path(sqlite_env["ALERTDESK_DATA_DIR"]))
        servers, topics = ",".join(runtime.bootstrap_servers), topic_names(runtime.topic_prefix)
        envelope = Envelope("no-such-source", datetime.now(timezone.utc), "application/json", "{}", uuid.uuid4().hex)
        producer = RawProducer(servers)
        try:  # receivers refuse unknown sources, so this can only come from a producer of our own
            producer.send_json(topics.raw, envelope.source, envelope.to_dict())
        finally:
            producer.close()

        def dead_letters(count: int):
            def at_least() -> list[dict]:
                found = read_topic(servers, topics.dlq)
                return found if len(found) >= count else []
            return at_least

        wait_for(dead_letters(1), timeout=30, what="the envelope on alerts.dlq")

        listed = cli(sqlite_env, "dlq", "list", cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        row = next(line for line in listed.stdout.splitlines() if "no-such-source" in line)
        assert row.split()[1:3] == ["normalize", "no-such-source"]
        assert "no parser for source 'no-such-source'" in row
        assert listed.stdout.rstrip().endswith("1 of 1 dead letter(s)")

        as_json = json.loads(cli(sqlite_env, "dlq", "list", "--json", cwd=tmp_path).stdout)
        assert as_json["total"] == 1 and as_json["items"][0]["value"]["event"] == envelope.to_dict()

        replayed = cli(sqlite_env, "dlq", "replay", "--all", cwd=tmp_path)
        assert replayed.returncode == 0, replayed.stderr
        assert f"(normalize) to {topics.raw}, key no-such-source" in replayed.stdout
        assert "re-sent 1 dead letter(s)" in replayed.stdout

        # The parser is still missing, so it is dead-lettered again: same envelope, same id.
        records = wait_for(dead_letters(2), timeout=30, what="the re-sent envelope dead-lettered again")
        assert [r["value"]["event"] for r in records] == [envelope.to_dict()] * 2

        by_offset = cli(sqlite_env, "dlq", "replay", "--offset", f"{records[0]['partition']}:{records[0]['offset']}",
                        "--stage", "dedupe", cwd=tmp_path)
        assert by_offset.returncode == 0 and "re-sent 0 dead letter(s)" in by_offset.stdout  # filtered out by stage
        missing = cli(sqlite_env, "dlq", "replay", "--offset", "99:12345", cwd=tmp_path)
        assert missing.returncode == 1 and "is not on the dead-letter topic; nothing sent" in missing.stderr
