"""The writer process (`incidents/writer_process.py`) on SQLite and PostgreSQL: it applies a batch as
the in-thread transaction would, and its failures reach the agent as the errors its retry expects."""
from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import pytest
from sqlalchemy import func, select

from alertdesk.db_migrate import upgrade
from incidents.db import create_db_engine, session_factory
from incidents.events import TIMELINE_ONLY_KINDS, EventKind
from incidents.models import Incident, IncidentAlert
from incidents.store_batch import apply_in_transaction
from incidents.writer_process import WRITER_RETRY, WriterBatchFailed, WriterProcess, WriterUnavailable
from streams.correlation.commands import CommandKind
from tests.e2e.harness import wait_for
from tests.incidents.builders import NOW, command

COMMANDS = [command(CommandKind.OPEN, "k1")] + [
    command(CommandKind.ATTACH, "k1", fingerprint=f"fp{n}") for n in range(2, 60)
]
STORM = [cmd.to_dict() for cmd in COMMANDS]  # as the records carry them


def ended(pid: int) -> bool:
    """True once `pid` has exited (a zombie its parent has not reaped yet counts as ended)."""
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def counts(sessions) -> tuple[int, int]:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Incident)), session.scalar(
            select(func.count()).select_from(IncidentAlert))


def test_the_process_writes_the_rows_and_returns_the_events_of_the_thread_transaction(db_url, migrated_db, tmp_path):
    _, sessions = migrated_db
    writer = WriterProcess(db_url)
    try:
        events = asyncio.run(writer.apply(STORM, NOW))
        assert counts(sessions) == (1, 59)
        asyncio.run(writer.apply(STORM, NOW))
        assert counts(sessions) == (1, 59), "a replayed batch writes nothing twice"
    finally:
        writer.close()
    assert writer.pid is None
    elsewhere = f"sqlite:///{tmp_path}/in-thread.db"
    upgrade(elsewhere)
    engine = create_db_engine(elsewhere)
    try:
        here = apply_in_transaction(session_factory(engine), COMMANDS, NOW)
        assert [event for event in here if event.kind not in TIMELINE_ONLY_KINDS] == events
        assert [event.kind for event in events] == [EventKind.OPENED], "attaches are timeline-only: not sent back"
    finally:
        engine.dispose()


def test_a_process_killed_between_calls_is_replaced_and_one_killed_during_a_call_is_reported(db_url, migrated_db):
    _, sessions = migrated_db
    writer = WriterProcess(db_url)
    try:
        asyncio.run(writer.start())
        first = writer.pid
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: ended(first), timeout=10, what="the killed writer process to end")
        asyncio.run(writer.apply(STORM[:1], NOW))
        second = writer.pid
        assert second not in (None, first), "a new process took the call"

        os.kill(second, signal.SIGSTOP)  # holds the request unanswered until the kill
        threading.Timer(0.3, os.kill, (second, signal.SIGKILL)).start()
        with pytest.raises(WriterUnavailable, match=r"ended \(exit code -9\)") as raised:
            asyncio.run(writer.apply(STORM, NOW))
        assert isinstance(raised.value, WRITER_RETRY.transient), "the agent waits it out instead of dead-lettering"
        asyncio.run(writer.apply(STORM, NOW))
        assert writer.pid not in (None, first, second)
        assert counts(sessions) == (1, 59)
    finally:
        writer.close()


def test_a_writer_process_that_does_not_answer_in_time_is_killed_and_replaced(db_url, migrated_db):
    _, sessions = migrated_db
    writer = WriterProcess(db_url, reply_timeout_s=0.5)
    try:
        asyncio.run(writer.start())
        stuck = writer.pid
        os.kill(stuck, signal.SIGSTOP)
        with pytest.raises(WriterUnavailable, match="no answer within 0.5 s"):
            asyncio.run(writer.apply(STORM, NOW))
        assert writer.pid is None
        with pytest.raises(ProcessLookupError):
            os.kill(stuck, 0)
        asyncio.run(writer.apply(STORM, NOW))
        assert counts(sessions) == (1, 59)
    finally:
        writer.close()


def test_the_process_outlives_ctrl_c_and_sigterm_and_ends_when_its_socket_closes(db_url, migrated_db):
    writer = WriterProcess(db_url)
    asyncio.run(writer.start())
    child = writer.pid
    assert os.getpgid(child) == child != os.getpgid(0), "a group of its own: a terminal's Ctrl-C does not reach it"
    for sent in (signal.SIGINT, signal.SIGTERM):  # what a terminal or systemd sends the whole worker
        os.kill(child, sent)
    time.sleep(0.3)
    asyncio.run(writer.apply(STORM, NOW))
    assert writer.pid == child, "still the same process: the worker decides when it ends"
    writer.close()
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


def test_a_batch_that_fails_in_the_process_fails_for_good_and_leaves_nothing(db_url, migrated_db):
    _, sessions = migrated_db
    broken = command(CommandKind.SUPPRESS, "k1").to_dict()  # a suppress without its disposition
    writer = WriterProcess(db_url)
    try:
        with pytest.raises(WriterBatchFailed, match="ValueError: suppress command .* carries no disposition") as raised:
            asyncio.run(writer.apply([*STORM, broken], NOW))
        assert not isinstance(raised.value, WRITER_RETRY.transient), "the agent goes one by one and dead-letters it"
        assert counts(sessions) == (0, 0), "the whole transaction rolled back"
        asyncio.run(writer.apply(STORM, NOW))
        assert counts(sessions) == (1, 59), "the same process goes on"
    finally:
        writer.close()


def test_a_process_that_cannot_be_started_is_reported_transient(db_url, migrated_db, monkeypatch):
    writer = WriterProcess(db_url)

    def no_process(*args, **kwargs):
        raise OSError(24, "Too many open files")

    monkeypatch.setattr("incidents.writer_process.subprocess.Popen", no_process)
    with pytest.raises(WriterUnavailable, match="could not be started: .*Too many open files") as raised:
        asyncio.run(writer.apply(STORM, NOW))
    assert isinstance(raised.value, WRITER_RETRY.transient), "retried with backoff, not dead-lettered"
    monkeypatch.undo()
    try:
        asyncio.run(writer.apply(STORM, NOW))
        assert writer.pid is not None
    finally:
        writer.close()


def test_a_database_that_cannot_be_opened_fails_the_start_with_its_error():
    writer = WriterProcess("not-a-database-url")
    with pytest.raises(WriterUnavailable, match="could not start: ArgumentError"):
        asyncio.run(writer.start())
    assert writer.pid is None
