"""The silence store and the catalogue over a migrated SQLite and PostgreSQL database."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from incidents.silences import store
from incidents.silences.catalogue import SilenceCatalogue
from streams.alerts.maintenance import Frequency, MaintenanceWindow, Recurrence
from streams.alerts.matchers import parse_matcher
from streams.alerts.safety import SafetyClass, SafetyException
from streams.alerts.silences import ReminderKind, Silence, SilenceState, SuppressionKind

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
UPS = {"alertname": "UPSOnBattery", "site": "dc1"}


def _silence(id="s1", start=T0, end=T0 + timedelta(hours=2)) -> Silence:
    return Silence(
        id=id, matchers=(parse_matcher('alertname=~"UPS.*"'), parse_matcher('"机房"!="B"')), starts_at=start,
        ends_at=end, created_by="zhang.wei", comment="更换传感器", created_at=T0,
    )


def _window(id="w1") -> MaintenanceWindow:
    return MaintenanceWindow(
        id=id, components=("ups-1", "pdu-2"), starts_at=datetime(2026, 3, 1, 18, tzinfo=timezone.utc),
        ends_at=datetime(2026, 3, 1, 22, tzinfo=timezone.utc),
        recurrence=Recurrence(Frequency.WEEKLY, (0, 3), until=date(2026, 6, 30)), timezone="Asia/Shanghai",
        created_by="li.na", reason="UPS 保养", created_at=T0,
    )


def _exception(id="e1") -> SafetyException:
    return SafetyException(
        id=id, safety_class=SafetyClass.UPS_ON_BATTERY, matchers=(parse_matcher("site=dc1"),), components=(),
        starts_at=T0, ends_at=T0 + timedelta(hours=4), requested_by="li.na", reason="battery test", created_at=T0,
    )


def test_silences_round_trip_and_expire_once(migrated_db):
    _, factory = migrated_db
    with factory() as session:
        store.add_silence(session=session, silence=_silence())
        store.add_silence(session=session, silence=_silence("later", start=T0 + 5 * HOUR, end=T0 + 6 * HOUR))
        session.commit()
    with factory() as session:
        assert store.get_silence(session=session, silence_id="s1") == _silence()
        assert store.get_silence(session=session, silence_id="nope") is None
        now = T0 + timedelta(hours=1)
        assert [s.id for s in store.list_silences(session=session, now=now, state=SilenceState.ACTIVE)] == ["s1"]
        assert [s.id for s in store.list_silences(session=session, now=now, state=SilenceState.PENDING)] == ["later"]
        expired = store.expire_silence(session=session, silence_id="s1", by="wang.fang", now=now)
        again = store.expire_silence(session=session, silence_id="s1", by="someone.else", now=now + HOUR)
        session.commit()
    assert (expired.expired_at, expired.expired_by, expired.state(now)) == (now, "wang.fang", SilenceState.EXPIRED)
    assert (again.expired_at, again.expired_by) == (now, "wang.fang")


def test_reminders_are_recorded(migrated_db):
    _, factory = migrated_db
    with factory() as session:
        store.add_silence(session=session, silence=_silence())
        store.mark_reminded(session=session, silence_id="s1", kind=ReminderKind.EXPIRING, now=T0 + timedelta(hours=1))
        session.commit()
    with factory() as session:
        found = store.get_silence(session=session, silence_id="s1")
    assert (found.expiry_reminded_at, found.long_open_reminded_at) == (T0 + timedelta(hours=1), None)


def test_windows_round_trip_and_cancel(migrated_db):
    _, factory = migrated_db
    with factory() as session:
        store.add_window(session=session, window=_window())
        session.commit()
    with factory() as session:
        assert store.get_window(session=session, window_id="w1") == _window()
        cancelled = store.cancel_window(session=session, window_id="w1", by="li.na", now=T0 + timedelta(days=3))
        session.commit()
    assert cancelled.cancelled_at == T0 + timedelta(days=3)
    with factory() as session:
        assert store.list_windows(session=session, include_cancelled=False) == []
        assert [w.id for w in store.list_windows(session=session)] == ["w1"]


def test_exceptions_need_a_second_person_to_approve(migrated_db):
    _, factory = migrated_db
    with factory() as session:
        store.add_exception(session=session, exception=_exception())
        session.commit()
    with factory() as session:
        with pytest.raises(ValueError, match="someone other than the requester"):
            store.approve_exception(session=session, exception_id="e1", by="li.na", now=T0)
        session.rollback()
    with factory() as session:
        approved = store.approve_exception(session=session, exception_id="e1", by="wang.fang", now=T0)
        session.commit()
    assert (approved.approved_by, approved.approved_at, approved.is_active(T0)) == ("wang.fang", T0, True)
    with factory() as session:
        revoked = store.revoke_exception(session=session, exception_id="e1", by="wang.fang", now=T0 + HOUR)
        session.commit()
    assert not revoked.is_active(T0 + timedelta(hours=1))
    with factory() as session:
        assert store.list_exceptions(session=session) == [revoked]


def test_the_catalogue_reloads_only_when_the_revision_moves(migrated_db):
    _, factory = migrated_db
    catalogue = SilenceCatalogue(factory)
    assert catalogue.refresh(T0) is True
    assert catalogue.refresh(T0) is False
    empty = catalogue.snapshot
    assert empty.suppression({"alertname": "UPSLow"}, (), T0) is None

    with factory() as session:
        store.add_silence(session=session, silence=_silence())
        store.add_window(session=session, window=_window())
        store.add_exception(session=session, exception=_exception())
        store.approve_exception(session=session, exception_id="e1", by="wang.fang", now=T0)
        session.commit()
    assert catalogue.refresh(T0) is True
    assert catalogue.snapshot is not empty
    found = catalogue.snapshot.suppression({"alertname": "UPSLow"}, (), T0 + timedelta(minutes=1))
    assert (found.kind, found.by) == (SuppressionKind.SILENCE, "s1")
    # Life safety, covered by the approved exception for exactly ups_on_battery.
    assert catalogue.snapshot.suppression(UPS, (), T0 + timedelta(minutes=1)).safety_exception == "e1"
    # Monday 2 March, 02:00-06:00 Shanghai is Sunday 18:00-22:00 UTC; the PDU sits under ups-1.
    during = datetime(2026, 3, 1, 19, tzinfo=timezone.utc)
    assert catalogue.snapshot.suppression({"alertname": "PDUDown"}, {"pdu-9", "ups-1"}, during).by == "w1"

    with factory() as session:
        store.expire_silence(session=session, silence_id="s1", by="zhang.wei", now=T0 + timedelta(minutes=2))
        session.commit()
    assert catalogue.refresh(T0 + timedelta(minutes=2)) is True
    assert catalogue.snapshot.suppression({"alertname": "UPSLow"}, (), T0 + timedelta(minutes=3)) is None
    assert catalogue.snapshot.rules.other_silences == ()


def test_the_catalogue_leaves_out_what_is_over(migrated_db):
    _, factory = migrated_db
    with factory() as session:
        store.add_silence(session=session, silence=_silence("old", start=T0 - 2 * DAY, end=T0 - DAY))
        store.add_silence(session=session, silence=_silence("soon", start=T0 + DAY, end=T0 + 2 * DAY))
        session.commit()
    catalogue = SilenceCatalogue(factory)
    catalogue.refresh(T0)
    assert [s.id for s in catalogue.snapshot.rules.other_silences] == ["soon"]
