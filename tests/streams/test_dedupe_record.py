"""`dedupe_record`: the dedupe table is written only after the record's changes were delivered.

A worker killed between the two writes must leave the table as it was, so the record, read again,
sends the same changes once more (correlation and the writer drop what they already have)
instead of finding "already firing" for an alert whose NEW never reached correlation.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from streams.agents.dedupe import dedupe_record
from streams.alerts.flapping import FlapPolicy
from streams.alerts.model import AlertStatus, ChangeKind
from streams.clock import FakeClock
from tests.correlation.engine_fixtures import T0, alert

NO_DEAD_LETTERS = object()  # every item here is valid: the dead-letter topic is never used


class BrokerGone(Exception):
    """The broker did not acknowledge the changes."""


def record(*alerts) -> dict:
    return {"batch": [each.to_dict() for each in alerts]}


async def test_the_table_is_written_after_the_changes_are_sent() -> None:
    states: dict = {}
    sent: list = []

    async def send(changes) -> None:
        assert states == {}, "nothing recorded before the changes are out"
        sent.extend(changes)

    fired = alert("UPSOnBattery", "ups-1", at=T0)
    await dedupe_record(record(fired), states=states, clock=FakeClock(T0), policy=FlapPolicy(), send=send,
                        dlq=NO_DEAD_LETTERS)
    assert [change.kind for change in sent] == [ChangeKind.NEW]
    assert states[fired.fingerprint]["status"] == str(AlertStatus.FIRING)


async def test_a_failed_send_leaves_the_table_so_the_record_read_again_sends_the_same_change() -> None:
    states: dict = {}
    fired = alert("UPSOnBattery", "ups-1", at=T0)

    async def broker_gone(changes) -> None:
        raise BrokerGone

    with pytest.raises(BrokerGone):
        await dedupe_record(record(fired), states=states, clock=FakeClock(T0), policy=FlapPolicy(),
                            send=broker_gone, dlq=NO_DEAD_LETTERS)
    assert states == {}
    sent: list = []

    async def send(changes) -> None:
        sent.extend(changes)

    await dedupe_record(record(fired), states=states, clock=FakeClock(T0), policy=FlapPolicy(), send=send,
                        dlq=NO_DEAD_LETTERS)
    assert [change.kind for change in sent] == [ChangeKind.NEW]


async def test_one_record_firing_and_resolving_an_alert_folds_both_in_order() -> None:
    states: dict = {}
    sent: list = []

    async def send(changes) -> None:
        sent.extend(changes)

    fired = alert("UPSOnBattery", "ups-1", at=T0)
    resolved = replace(alert("UPSOnBattery", "ups-1", at=T0, status="resolved"),
                       ends_at=T0 + timedelta(seconds=14), received_at=T0 + timedelta(seconds=14))
    again = alert("UPSOnBattery", "ups-1", at=T0)  # a resend of the resolved occurrence: no news
    await dedupe_record(record(fired, resolved, again), states=states, clock=FakeClock(T0), policy=FlapPolicy(),
                        send=send, dlq=NO_DEAD_LETTERS)
    assert [change.kind for change in sent] == [ChangeKind.NEW, ChangeKind.RESOLVED]
    assert states[fired.fingerprint]["status"] == str(AlertStatus.RESOLVED)
