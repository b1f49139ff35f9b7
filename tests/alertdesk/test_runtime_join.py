"""The runtime file a joining `alertdesk worker` reads: who owns it, and when joining is refused (docs/workers.md)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from alertdesk.runtime import Runtime, claim_runtime, join_running, read_runtime, write_runtime
from alertdesk.settings import Settings, SettingsError

PG = "postgresql://postgres@db.example:5432/alertdesk"


def runtime(pid: int, database_url: str = PG, prefix: str = "alertdesk.") -> Runtime:
    return Runtime(pid=pid, bootstrap_servers=("127.0.0.1:9092",), api_url="http://127.0.0.1:8080",
                   database_url=database_url, topic_prefix=prefix)


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_first_live_process_owns_the_runtime_file_and_a_joiner_leaves_it_alone(tmp_path):
    owner = runtime(os.getppid())  # alive for the whole test, and not us
    write_runtime(tmp_path, owner)
    assert claim_runtime(tmp_path, runtime(os.getpid())) is None
    assert read_runtime(tmp_path) == owner


def test_a_stale_runtime_file_is_taken_over(tmp_path, dead_pid):
    write_runtime(tmp_path, runtime(dead_pid))
    mine = runtime(os.getpid())
    assert claim_runtime(tmp_path, mine) == tmp_path / "runtime.json"
    assert read_runtime(tmp_path) == mine


def test_a_worker_without_brokers_joins_the_running_up_of_its_data_folder(tmp_path):
    write_runtime(tmp_path, runtime(os.getppid()))
    joined = join_running(Settings(data_dir=tmp_path, database_url=PG))
    assert joined.kafka_bootstrap_servers == ("127.0.0.1:9092",) and not joined.embedded_broker


@pytest.mark.parametrize(
    ("settings", "written", "message"),
    [
        (dict(database_url=PG), None, "no running `alertdesk up`"),
        (dict(database_url="sqlite:///var/alertdesk.db"), dict(database_url="sqlite:///var/alertdesk.db"), "must be PostgreSQL"),
        (dict(database_url=PG + "2"), dict(), "every worker must use the same database"),
        (dict(database_url=PG, topic_prefix="other."), dict(), "topic_prefix = 'other.' differs"),
    ],
    ids=["no-up", "sqlite", "other-database", "other-prefix"],
)
def test_joining_is_refused_with_the_reason(tmp_path, settings, written, message):
    if written is not None:
        write_runtime(tmp_path, runtime(os.getppid(), **written))
    with pytest.raises(SettingsError, match=message):
        join_running(Settings(data_dir=tmp_path, **settings))


def test_a_runtime_file_of_a_dead_up_is_no_broker_to_join(tmp_path, dead_pid):
    write_runtime(tmp_path, runtime(dead_pid))
    with pytest.raises(SettingsError, match="no running `alertdesk up`"):
        join_running(Settings(data_dir=tmp_path, database_url=PG))
