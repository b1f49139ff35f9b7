"""`dedupe_records`: a batch's changes go out in one send, and the table is written only after they were delivered.

A worker killed between the two writes must leave the table as it was, so the records, read again,
send the same changes once more (correlation and the writer drop what they already have)
instead of finding "already firing" for an alert whose NEW never reached correlation.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from streams.agents.dedupe import dedupe_records
from streams.alerts.flapping import FlapPolicy
from streams.alerts.model import AlertStatus, ChangeKind
from streams.clock import FakeClock
from tests.correlation.engine_fixtures import T0, alert

NO_DEAD_LETTERS = object()  # every item here is valid: the dead-letter topic is never used


class BrokerGone(Exception):
    """The broker did not acknowledge the changes."""


class Table(dict):
    """The dedupe table as the agent writes it: each state, and the changelog messages (partition, fingerprint)."""

    def __init__(self) -> None:
        super().__init__()
        self.changelog: list[tuple[int, str]] = []

    async def record(self, recorded) -> None:
        for partition, fingerprint, state, logged in recorded:
            self[fingerprint] = state
            if logged:
                self.changelog.append((partition, fingerprint))


def record(*alerts) -> dict:
    return {"batch": [each.to_dict() for each in alerts]}


async def dedupe(table: Table, records, send) -> None:
    await dedupe_records(records, states=table, clock=FakeClock(T0), policy=FlapPolicy(), send=send,
                         record=table.record, dlq=NO_DEAD_LETTERS)


async def test_the_table_is_written_after_the_changes_are_sent() -> None:
    table = Table()
    sent: list = []

    async def send(changes) -> None:
        assert table == {}, "nothing recorded before the changes are out"
        sent.extend(changes)

    fired = alert("UPSOnBattery", "ups-1", at=T0)
    await dedupe(table, [(3, record(fired))], send)
    assert [change.kind for change in sent] == [ChangeKind.NEW]
    assert table[fired.fingerprint]["status"] == str(AlertStatus.FIRING)


async def test_a_failed_send_leaves_the_table_so_the_records_read_again_send_the_same_change() -> None:
    table = Table()
    fired = alert("UPSOnBattery", "ups-1", at=T0)

    async def broker_gone(changes) -> None:
        raise BrokerGone

    with pytest.raises(BrokerGone):
        await dedupe(table, [(0, record(fired))], broker_gone)
    assert table == {}
    sent: list = []

    async def send(changes) -> None:
        sent.extend(changes)

    await dedupe(table, [(0, record(fired))], send)
    assert [change.kind for change in sent] == [ChangeKind.NEW]


async def test_one_record_firing_and_resolving_an_alert_folds_both_in_order() -> None:
    table = Table()
    sent: list = []

    async def send(changes) -> None:
        sent.extend(changes)

    fired = alert("UPSOnBattery", "ups-1", at=T0)
    resolved = replace(alert("UPSOnBattery", "ups-1", at=T0, status="resolved"),
                       ends_at=T0 + timedelta(seconds=14), received_at=T0 + timedelta(seconds=14))
    again = alert("UPSOnBattery", "ups-1", at=T0)  # a resend of the resolved occurrence: no news
    await dedupe(table, [(0, record(fired, resolved, again))], send)
    assert [change.kind for change in sent] == [ChangeKind.NEW, ChangeKind.RESOLVED]
    assert table[fired.fingerprint]["status"] == str(AlertStatus.RESOLVED)


async def test_a_batch_of_records_sends_once_in_order_and_records_each_state_on_its_records_partition() -> None:
    table = Table()
    sends: list[list] = []

    async def send(changes) -> None:
        sends.append(list(changes))

    ups = alert("UPSOnBattery", "ups-1", at=T0)
    ups_again = alert("UPSOnBattery", "ups-1", at=T0 + timedelta(seconds=30))
    ups_resolved = replace(alert("UPSOnBattery", "ups-1", at=T0, status="resolved"),
                           ends_at=T0 + timedelta(seconds=60), received_at=T0 + timedelta(seconds=60))
    leak = alert("WaterLeakDetected", "leak-1", at=T0)
    await dedupe(table, [(2, record(ups)), (5, record(leak)), (2, record(ups_again, ups_resolved))], send)
    assert [[(change.kind, change.alert.name) for change in batch] for batch in sends] == [[
        (ChangeKind.NEW, "UPSOnBattery"), (ChangeKind.NEW, "WaterLeakDetected"), (ChangeKind.RESOLVED, "UPSOnBattery"),
    ]]
    assert table.changelog == [(2, ups.fingerprint), (5, leak.fingerprint)]
    assert table[ups.fingerprint]["status"] == str(AlertStatus.RESOLVED)
    assert table[ups.fingerprint]["count"] == 2


async def test_a_plain_repeat_is_counted_in_the_table_but_not_written_to_its_changelog() -> None:
    table = Table()

    async def send(changes) -> None:
        pass

    ups = alert("UPSOnBattery", "ups-1", at=T0, severity="major")
    await dedupe(table, [(1, record(ups))], send)
    await dedupe(table, [(1, record(ups, ups))], send)
    assert table[ups.fingerprint]["count"] == 3
    assert table.changelog == [(1, ups.fingerprint)], "the NEW's state is logged, the two repeats' are not"
    worse = alert("UPSOnBattery", "ups-1", at=T0, severity="critical")
    await dedupe(table, [(1, record(worse))], send)
    assert table.changelog == [(1, ups.fingerprint), (1, ups.fingerprint)], "a severity change is logged"
