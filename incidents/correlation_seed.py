"""I/O: rebuild one correlation scope's state from the system of record.

After a restart or a rebalance the correlate stage has no memory; it asks here, per scope, for
the open incidents (and those resolved within the reopen window) with their alerts, the alerts
it held back, and the firing alerts it suppressed. A still-firing alert then re-attaches to its
incident instead of opening a duplicate, a held alert finishes its wait, and a resolve of a
suppressed alert is still recorded. An incident merged into another is not read back: its alerts
were moved to the survivor, which is.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from incidents.models import OPEN_STATUSES, CorrelationHold, Incident, IncidentAlert, SuppressedAlert
from streams.alerts.model import Alert, AlertStatus, Severity
from streams.alerts.parsers.fields import location_of
from streams.correlation.categories import Category, category_of
from streams.correlation.commands import Disposition, DispositionKind
from streams.correlation.state import Cluster, Held, Member, ScopeState, Suppressed
from streams.ids import deterministic_id


def seed_scope(sessions: sessionmaker, scope: str, *, now: datetime, reopen_window: timedelta) -> ScopeState:
    """Read `scope`'s incidents, held and suppressed alerts into a fresh `ScopeState`."""
    with sessions() as session:
        state = ScopeState(scope)
        for incident in _incidents(session, scope, now - reopen_window):
            cluster = _cluster(incident)
            state.clusters[cluster.incident_key] = cluster
            for row in incident.alerts:
                alert = _alert(row)
                member = Member(alert, row.component, row.status == "firing", row.symptom, category_of(alert))
                state.add_member(cluster, member)
            if cluster.is_open and not cluster.firing():
                cluster.quiet_since = max((m.alert.ends_at or incident.updated_at for m in cluster.members.values()),
                                          default=incident.updated_at)
                cluster.quiet_change_id = deterministic_id(incident.incident_key, "quiet")
        for hold in session.scalars(select(CorrelationHold).where(CorrelationHold.scope == scope)):
            alert = Alert.from_dict(hold.alert)
            if alert.fingerprint not in state.fingerprints:
                state.held[alert.fingerprint] = Held(
                    alert, hold.change_id, hold.component, category_of(alert), hold.held_until, hold.group_key or None
                )
        suppressed = select(SuppressedAlert).where(SuppressedAlert.scope == scope, SuppressedAlert.status == "firing")
        for row in session.scalars(suppressed):
            disposition = Disposition(DispositionKind(row.kind), row.reason, row.suppressed_by)
            state.suppressed[row.fingerprint] = Suppressed(Alert.from_dict(row.alert), row.change_id, disposition)
        return state


def live_scopes(sessions: sessionmaker, *, now: datetime, reopen_window: timedelta) -> set[str]:
    """Every scope `seed_scope` would find something in: open (or recently resolved) incidents, holds, suppressions.

    A worker that takes over a scope's partition seeds these at once rather than on their next
    change, because their timers (a hold-down ending, an incident's quiet period) must run even if
    no change for the scope ever comes again.
    """
    with sessions() as session:
        incidents = select(Incident.scope).where(
            Incident.merged_into.is_(None),
            or_(Incident.status.in_(OPEN_STATUSES), Incident.resolved_at >= now - reopen_window),
        )
        holds = select(CorrelationHold.scope)
        suppressed = select(SuppressedAlert.scope).where(SuppressedAlert.status == "firing")
        found = set()
        for query in (incidents, holds, suppressed):
            found.update(session.scalars(query.distinct()))
        return {scope for scope in found if scope}


def _incidents(session: Session, scope: str, resolved_since: datetime) -> list[Incident]:
    query = (
        select(Incident)
        .where(
            Incident.scope == scope,
            Incident.merged_into.is_(None),  # merged away: its alerts live on in the survivor, never resurrect it
            or_(Incident.status.in_(OPEN_STATUSES), Incident.resolved_at >= resolved_since),
        )
        .options(selectinload(Incident.alerts))
        .order_by(Incident.id)
    )
    return list(session.scalars(query))


def _cluster(incident: Incident) -> Cluster:
    return Cluster(
        incident_key=incident.incident_key,
        group_key=incident.group_key,
        title=incident.title,
        severity=Severity(incident.severity),
        category=Category(incident.category),
        root=incident.root_component,
        inferred=incident.inferred_root,
        opened_at=incident.opened_at,
        # A closed incident was resolved first: correlation sees it as resolved (a re-fire opens a new one).
        resolved_at=incident.resolved_at if incident.status in ("resolved", "closed") else None,
        facts=incident.facts,
    )


def _alert(row: IncidentAlert) -> Alert:
    """The alert as last recorded on the incident (enough to correlate and prioritise it again)."""
    labels = dict(row.labels)
    return Alert(
        fingerprint=row.fingerprint,
        source=row.source,
        status=AlertStatus(row.status),
        severity=Severity(row.severity),
        name=row.name,
        resource=row.resource,
        location=location_of(labels),
        labels=labels,
        annotations=dict(row.annotations),
        starts_at=row.starts_at,
        received_at=row.last_received_at,
        ends_at=row.ends_at,
    )
