"""End to end: several `alertdesk` processes in one consumer group, on one embedded broker and PostgreSQL.

The storm: three `alertdesk worker` processes on an embedded broker of the test's own, with
three correlation scenarios of tests/scenarios (ac-failure: 40 alerts, ups-battery, pdu-trip)
replayed at their own pace. When the first incident appears, the worker that holds the storm's
`alerts.changes` partition (correlation and the incident writer of those sites; /readyz lists
each worker's partitions) is SIGKILLed. The survivors take its partitions over, and then:

* the incidents are those a single worker makes (each scenario scored against its expected.yaml,
  which tests/e2e/test_scenarios.py proves one worker meets);
* every page reached the phone exactly once (outbox rows against the Twilio fake's record, the
  fake running in its own process so the kill cannot take its record with it); the one duplicate
  the architecture allows — a message the dead worker was sending — shows as `tries == 2`;
* nothing that is due is left pending: no outbox message and no escalation step.

The join: an `alertdesk worker` with no `kafka_bootstrap_servers` joins the broker of the
`alertdesk up` running in its data folder (runtime file), and the two split the partitions.
"""
from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
from aiokafka.partitioner import murmur2
from sqlalchemy import select

from alertdesk.cli.common import Broker
from alertdesk.cli.scenario_files import load_scenarios
from alertdesk.cli.scenario_run import ScenarioRunner, Sent
from alertdesk.runtime import read_runtime
from alertdesk.settings import load_settings
from incidents.db import create_db_engine, session_factory
from notify.escalation import EscalationStatus
from notify.models import Escalation, OutboxMessage
from streams.broker import EmbeddedBroker
from streams.clock import SystemClock
from streams.correlation.scoring import Score, format_scores, score
from streams.topics import topic_names
from tests.e2e.harness import Pipeline, free_port, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.postgres]

SUITE = Path(__file__).resolve().parents[1] / "scenarios"
CONFIG = SUITE / "alertdesk.toml"
STORM = ("ac-failure", "ups-battery", "pdu-trip")
SCENARIOS = [s for s in load_scenarios(SUITE, now=SystemClock().now()) if s.name in STORM]
QUIET_S = load_settings(CONFIG, environ={}).correlation_hold_down_s + 3.0
#: A shorter consumer-group session than the default 10 s: the group notices the dead worker sooner.
SESSION_TIMEOUT_S = 6.0
SID, TOKEN = "AC" + "2" * 32, "workers-token"
PHONE = "+8613800000021"
MESSAGE_ID = re.compile(r"/twilio/status/(\d+)$")

#: One person texted at once; the next level is far beyond the test, so every page is a first page.
PAGING = f"""
people:
  - id: duty
    name: 值班
    contacts: [{{id: mobile, kind: sms, address: "{PHONE}"}}]
policies:
  - id: room
    name: 机房
    levels:
      - {{targets: [{{person: duty}}], after: 30m}}
routing:
  default_policy: room
limits:
  - {{count: 10000, per: 1m}}
"""


def fake_records(url: str) -> list[dict]:
    return httpx.get(url + "/_fake/messages", timeout=10).json()["messages"]


def listening(url: str) -> bool:
    try:
        return httpx.get(url + "/_fake/messages", timeout=2).status_code == 200
    except httpx.ConnectError:
        return False


def readyz(pipeline: Pipeline) -> dict | None:
    """The worker's /readyz answer when it is ready, else None."""
    try:
        response = httpx.get(pipeline.url + "/readyz", timeout=5)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


def ready(pipeline: Pipeline) -> bool:
    return readyz(pipeline) is not None


def partition_of(key: str, partitions: int) -> int:
    """The partition the producers' default partitioner (murmur2, as Kafka's Java client) puts `key` in."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def scores(runner: ScenarioRunner, sent: Sent) -> dict[str, Score]:
    return {scenario.name: score(scenario.expected, runner.outcome(scenario, sent)) for scenario in SCENARIOS}


def passed(result: Score) -> bool:
    return result.failures == () and (result.matched, result.precision, result.recall) == (result.expected, 1.0, 1.0)


@pytest.fixture
def twilio_fake(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "fake.log").open("ab")
    fake = subprocess.Popen(
        [sys.executable, "-m", "notify.twilio_fake", "--port", str(port), "--account-sid", SID, "--auth-token", TOKEN],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: listening(url), timeout=20, what="the Twilio fake")
        yield url
    finally:
        fake.terminate()
        fake.wait(10)


@pytest.fixture
def storm_env(tmp_path, postgres_env, twilio_fake, fresh_broker: EmbeddedBroker) -> dict[str, str]:
    """Workers on the test's broker, PostgreSQL, the storm's topology, one person texted through the Twilio fake."""
    paging_file = tmp_path / "paging.yaml"
    paging_file.write_text(PAGING, "utf-8")
    return {
        **postgres_env,
        "ALERTDESK_CONFIG": str(CONFIG),
        "ALERTDESK_KAFKA_BOOTSTRAP_SERVERS": fresh_broker.bootstrap_servers,
        "ALERTDESK_TOPOLOGY_FILES": ",".join(str(scenario.topology_file) for scenario in SCENARIOS),
        "ALERTDESK_PAGING_FILES": str(paging_file),
        "ALERTDESK_TWILIO_ACCOUNT_SID": SID,
        "ALERTDESK_TWILIO_AUTH_TOKEN": TOKEN,
        "ALERTDESK_TWILIO_FROM_NUMBER": "+15005550006",
        "ALERTDESK_TWILIO_API_BASE_URL": twilio_fake,
        "ALERTDESK_SESSION_TIMEOUT_S": str(SESSION_TIMEOUT_S),
    }


def test_three_workers_one_killed_mid_storm_make_the_incidents_of_one_and_page_once(tmp_path, storm_env, twilio_fake):
    settings = load_settings(CONFIG, environ=storm_env)
    names = topic_names(settings.topic_prefix)
    storm_partition = f"{names.changes}/{partition_of('sc-ac', settings.partitions)}"
    workers = [Pipeline(tmp_path, storm_env, command="worker") for _ in range(3)]
    engine = create_db_engine(storm_env["ALERTDESK_DATABASE_URL"])
    sessions = session_factory(engine)
    try:
        for worker in workers:
            worker.start()

        def settled_group() -> dict[str, dict] | None:
            answers = {w.url: readyz(w) for w in workers}
            return answers if all(answers.values()) else None

        shares = wait_for(settled_group, timeout=60, what="all three workers ready in one group")
        victim = next(w for w in workers if storm_partition in shares[w.url]["partitions"])
        survivors = [w for w in workers if w is not victim]

        clock = SystemClock()
        runner = ScenarioRunner(survivors[0].url, Broker(storm_env["ALERTDESK_KAFKA_BOOTSTRAP_SERVERS"], names), clock,
                                headers=survivors[0].auth)
        runner.setup(SCENARIOS, clock.now())
        sent: list[Sent] = []
        replay = threading.Thread(target=lambda: sent.append(runner.replay(SCENARIOS, speed=1.0)))
        replay.start()
        wait_for(lambda: survivors[0].incidents(), timeout=60, what="the first incident of the storm")
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(10)
        replay.join(120)
        assert sent, "the replay finished"

        def storm_done() -> dict[str, Score] | None:
            results = scores(runner, sent[0])
            return results if all(passed(r) for r in results.values()) else None

        try:
            # ~10 s after the kill on an idle machine, at most ~30 s once the survivors drop the dead member
            # (alertdesk.member_reaper).
            wait_for(storm_done, timeout=300, what="the survivors to finish the storm", interval=1.0)
        except AssertionError:
            print(format_scores(scores(runner, sent[0]).values()))
            raise
        runner.wait_quiet(quiet_s=QUIET_S, timeout_s=60)
        results = scores(runner, sent[0])
        print(format_scores(results.values()))
        assert all(passed(r) for r in results.values()), format_scores(results.values())
        taken_over = wait_for(lambda: [readyz(w) for w in survivors] if all(ready(w) for w in survivors) else None,
                              timeout=30, what="the survivors ready after the rebalance")
        assert storm_partition in {p for answer in taken_over for p in answer["partitions"]}

        def outbox_settled() -> list[OutboxMessage] | None:
            with sessions() as session:
                rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
            return rows if rows and all(r.status not in ("pending", "sending") for r in rows) else None

        rows = wait_for(outbox_settled, timeout=60, what="every outbox message sent")
        records = fake_records(twilio_fake)
        sends = Counter(int(MESSAGE_ID.search(record["status_callback"]).group(1)) for record in records)
        assert {r.status for r in rows} == {"sent"}
        # A summary SMS carries several rows (notify/dispatcher.py): each is sent under the one provider sid.
        assert {r.provider_id for r in rows} <= {record["sid"] for record in records}, "every page reached the phone"
        assert set(sends) <= {r.id for r in rows}, "and nothing else did"
        duplicated = {message_id for message_id, count in sends.items() if count > 1}
        assert all(r.tries == 2 for r in rows if r.id in duplicated), "only a message in flight at the kill is resent"
        assert max(sends.values()) <= 2
        now = datetime.now(timezone.utc)
        with sessions() as session:
            due = session.scalars(
                select(Escalation).where(Escalation.status == EscalationStatus.ACTIVE, Escalation.next_due_at <= now)
            ).all()
        assert due == [], "no escalation step is left overdue"
        print(f"killed the holder of {storm_partition}; outbox: {len(rows)} message(s), resent: {len(duplicated)}")
    finally:
        engine.dispose()
        for worker in workers:
            worker.stop()


def test_a_worker_joins_the_broker_of_the_running_up(tmp_path, postgres_env):
    up = Pipeline(tmp_path, postgres_env, command="up")
    joined = Pipeline(tmp_path, postgres_env, command="worker")
    try:
        up.start()
        joined.start()
        both = wait_for(lambda: [readyz(up), readyz(joined)] if ready(up) and ready(joined) else None,
                        timeout=60, what="up and the joined worker ready in one group")
        raw = topic_names(load_settings(environ=postgres_env).topic_prefix).raw
        shares = [{p for p in answer["partitions"] if p.startswith(raw + "/")} for answer in both]
        assert all(shares) and not shares[0] & shares[1], "the two split alerts.raw between them"
        runtime = read_runtime(up.data_dir)
        assert runtime is not None and runtime.pid == up.process.pid, "the joined worker leaves up's runtime file alone"
        assert "embedded tansu" not in joined.output() and runtime.bootstrap_servers[0] in joined.output()
        assert joined.stop() == 0
        assert read_runtime(up.data_dir) == runtime
    finally:
        joined.stop()
        up.stop()
