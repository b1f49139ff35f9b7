"""Which scopes a worker seeds when it takes over their partitions: those with anything `seed_scope` would read."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import update

from incidents.correlation_seed import live_scopes
from incidents.models import CorrelationHold, Incident, SuppressedAlert
from incidents.store import apply_command
from streams.correlation.commands import CommandKind
from tests.incidents.builders import NOW, alert, command

WINDOW = timedelta(minutes=10)


def test_open_and_recently_resolved_incidents_holds_and_firing_suppressions_make_a_scope_live(migrated_db):
    _, factory = migrated_db
    with factory() as session, session.begin():
        for scope, key in (("open", "k1"), ("resolved-lately", "k2"), ("resolved-long-ago", "k3")):
            apply_command(session=session, command=replace(command(CommandKind.OPEN, key, group_key=key), scope=scope),
                          now=NOW)
        for key, resolved_at in (("k2", NOW - WINDOW / 2), ("k3", NOW - 2 * WINDOW)):
            session.execute(update(Incident).where(Incident.incident_key == key)
                            .values(status="resolved", resolved_at=resolved_at))
        held = alert("fp-held")
        session.add(CorrelationHold(fingerprint="fp-held", scope="held", change_id="c1", alert=held.to_dict(),
                                    held_until=NOW + timedelta(seconds=5), created_at=NOW))
        for scope, status in (("suppressed", "firing"), ("suppressed-over", "resolved")):
            session.add(SuppressedAlert(fingerprint=f"fp-{scope}", scope=scope, change_id=f"c-{scope}", name="x",
                                        severity="major", status=status, kind="silenced", alert=held.to_dict(),
                                        starts_at=NOW, suppressed_at=NOW, updated_at=NOW))
    assert live_scopes(factory, now=NOW, reopen_window=WINDOW) == {"open", "resolved-lately", "held", "suppressed"}
