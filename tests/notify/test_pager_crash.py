"""Two pager processes on one PostgreSQL, one SIGKILLed mid-escalation and restarted: every page sent once, none lost.

Real processes (tests/notify/pager_process.py: the timer loop, dispatcher and claim code every
worker runs), the official twilio client, and the Twilio fake over HTTP in its own process, whose
record (`/_fake/messages`, `/_fake/calls`) is the ground truth of what reached a phone.

The one duplicate the architecture allows is bounded precisely here: only a message that was
`sending` (claimed, provider call possibly made) when its worker died may reach the phone twice,
and at most twice — its lease runs out and the surviving worker sends it once more.

Which pager wins a round of claims is a race (whoever ticks first takes the whole batch), so the
test kills whichever pager is sending at that moment, told apart by its lease.
"""
from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from incidents.events import EventKind
from incidents.models import Incident
from notify.directory_files import load_directory
from notify.models import Escalation, OutboxMessage
from notify.paging import Paging
from tests.e2e.harness import free_port, wait_for
from tests.notify.factories import make_event

SID, TOKEN = "AC" + "1" * 32, "crash-token"
FIRST, SECOND, THIRD = "+8613800000011", "+8613800000012", "+8613800000013"
INCIDENTS = 30
#: Claim leases of the two pagers; different, so a row's `claimed_until - updated_at` tells who holds it.
LEASES_S = (4, 3)

PAGING = f"""
people:
  - id: first
    name: 一线
    contacts:
      - {{id: mobile, kind: sms, address: "{FIRST}"}}
      - {{id: phone, kind: voice, address: "{FIRST}"}}
    rules:
      - {{contact: mobile, after: 0s}}
      - {{contact: phone, after: 1s}}
  - id: second
    name: 二线
    contacts: [{{id: mobile, kind: sms, address: "{SECOND}"}}]
  - id: third
    name: 三线
    contacts: [{{id: mobile, kind: sms, address: "{THIRD}"}}]
policies:
  - id: room
    name: 机房
    levels:
      - {{targets: [{{person: first}}], after: 2s}}
      - {{targets: [{{person: second}}], after: 2s}}
      - {{targets: [{{person: third}}], after: 2s}}
routing:
  default_policy: room
limits:
  - {{count: 10000, per: 1m}}
"""

#: Every incident's pages: (step, recipient, channel).
EXPECTED = {(1, "first", "sms"), (1, "first", "voice"), (2, "second", "sms"), (3, "third", "sms")}
MESSAGE_ID = re.compile(r"/twilio/status/(\d+)$")


def start(command: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *command], stdout=log.open("ab"), stderr=subprocess.STDOUT)


def fake_get(url: str, path: str) -> list[dict]:
    return httpx.get(url + path, timeout=10).json()[path.rsplit("/", 1)[-1]]


def listening(url: str) -> bool:
    try:
        return httpx.get(url + "/_fake/messages", timeout=2).status_code == 200
    except httpx.ConnectError:
        return False


def open_incidents(sessions, directory) -> list[int]:
    """INCIDENTS P1 incidents (P1: sent one by one, never summarised), each opened through the pager."""
    now = datetime.now(timezone.utc)
    with sessions() as session, session.begin():
        rows = [
            Incident(incident_key=f"inc-{n}", group_key=f"g{n}", title=f"UPS {n} on battery", severity="critical",
                     status="triggered", site="dc1", alert_count=1, priority="P1", opened_at=now, updated_at=now)
            for n in range(INCIDENTS)
        ]
        session.add_all(rows)
        session.flush()
        ids = [row.id for row in rows]
    paging = Paging(sessions, directory)
    for incident_id in ids:
        paging.handle_event(make_event(EventKind.OPENED, incident_id), now)
    return ids


def outbox(sessions) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_pager_killed_mid_escalation_loses_no_page_and_duplicates_only_what_it_was_sending(
    tmp_path, db_url, sessions
):
    fake_port = free_port()
    fake_url = f"http://127.0.0.1:{fake_port}"
    fake = start(["-m", "notify.twilio_fake", "--port", str(fake_port), "--account-sid", SID, "--auth-token", TOKEN],
                 tmp_path / "fake.log")
    paging_file = tmp_path / "paging.yaml"
    paging_file.write_text(PAGING, "utf-8")
    pager_command = ["-m", "tests.notify.pager_process", "--database-url", db_url, "--paging-file", str(paging_file),
                     "--twilio-url", fake_url, "--account-sid", SID, "--auth-token", TOKEN]
    pagers: list[subprocess.Popen] = []
    try:
        wait_for(lambda: listening(fake_url), timeout=20, what="the Twilio fake")
        # Every provider call takes 0.4 s, so a worker is nearly always in the middle of sending.
        httpx.post(fake_url + "/_fake/behaviour", json={"number": "*", "api_delay_s": 0.4}, timeout=10).raise_for_status()
        for n, lease in enumerate(LEASES_S):
            pagers.append(start([*pager_command, "--lease-s", str(lease)], tmp_path / f"pager-{n}.log"))
        for n, pager in enumerate(pagers):
            wait_for(lambda: "pager ready" in (tmp_path / f"pager-{n}.log").read_text(), timeout=30, what=f"pager {n}")
        ids = open_incidents(sessions, load_directory([paging_file]))

        def held_by(rows: list[OutboxMessage], lease_s: float) -> set[int]:
            return {r.id for r in rows if r.status == "sending" and r.claimed_until - r.updated_at == timedelta(seconds=lease_s)}

        def a_sending_pager() -> int | None:
            rows = outbox(sessions)
            return next((n for n, lease in enumerate(LEASES_S) if held_by(rows, lease)), None)

        victim = wait_for(lambda: (n,) if (n := a_sending_pager()) is not None else None,
                          timeout=30, what="a pager to be sending pages")[0]
        pagers[victim].send_signal(signal.SIGKILL)
        pagers[victim].wait(10)
        in_flight = held_by(outbox(sessions), LEASES_S[victim])
        assert in_flight, f"pager {victim} died mid-send"
        # The killed worker is restarted (as systemd or Kubernetes would) and shares the rest of the work.
        restarted_log = tmp_path / f"pager-{victim}-restarted.log"
        pagers.append(start([*pager_command, "--lease-s", str(LEASES_S[victim])], restarted_log))
        wait_for(lambda: "pager ready" in restarted_log.read_text(), timeout=30, what=f"the restarted pager {victim}")

        def finished() -> bool:
            with sessions() as session:
                escalations = session.scalars(select(Escalation)).all()
            return all(e.status == "exhausted" for e in escalations) and all(
                r.status not in ("pending", "sending") for r in outbox(sessions)
            )

        wait_for(finished, timeout=60, what="every escalation to run to its end on the surviving and restarted pagers")
        rows = outbox(sessions)
        records = fake_get(fake_url, "/_fake/messages") + fake_get(fake_url, "/_fake/calls")
        sends = Counter(int(MESSAGE_ID.search(record["status_callback"]).group(1)) for record in records)

        with sessions() as session:
            steps = {e.incident_id: (e.status, e.step) for e in session.scalars(select(Escalation))}
        assert steps == {incident_id: ("exhausted", 3) for incident_id in ids}
        by_incident = {
            incident_id: sorted((r.escalation_level, r.recipient, r.channel) for r in rows if r.incident_id == incident_id)
            for incident_id in ids
        }
        assert by_incident == {incident_id: sorted(EXPECTED) for incident_id in ids}  # every step ran once
        assert {r.status for r in rows} == {"sent"}
        assert set(sends) == {r.id for r in rows}  # none lost: every row reached the fake
        duplicated = {message_id for message_id, count in sends.items() if count > 1}
        assert duplicated <= in_flight, "only a message in flight when its worker died may be sent again"
        assert max(sends.values()) <= 2, "and only once more"
        assert all(r.tries == 2 for r in rows if r.id in duplicated)
        print(f"in flight at the kill: {len(in_flight)}; sent again after the lease: {len(duplicated)}")
    finally:
        for process in [*pagers, fake]:
            if process.poll() is None:
                process.terminate()
                process.wait(10)
