"""I/O: the incident writer's store: applies one `IncidentCommand` to the database, idempotently.

Every command is recorded on the timeline under its `command_id`; a command already recorded
is not applied again, its events are read back and returned, so the writer can re-announce
them after a crash between commit and send. Event ids are `deterministic_id(command_id, kind)`.
Functions take the session keyword-only and never commit: the shell owns the transaction.

People change incidents behind correlation's back (`incidents.actions`): correlation may still
hold a group open that a person resolved or closed. A firing alert attached to such an incident
reopens it when it was resolved; when it was closed, a new incident opens in its place under
`successor_key` (or the alert joins the group's open incident), and correlation's later commands
for the closed incident's key follow that chain to the newest incident.

When correlation finds two open incidents to share one root, MERGE moves the absorbed incident's
alerts to the survivor and closes the absorbed one with `merged_into` set; the chain follows
`merged_into` too, so a late command for the absorbed incident lands on the survivor.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from incidents.events import EventKind, IncidentEvent
from incidents.lifecycle import Status
from incidents.models import (
    OPEN_STATUSES,
    CorrelationHold,
    Incident,
    IncidentAlert,
    SuppressedAlert,
    TimelineEvent,
)
from incidents.sla.store import apply_deadlines
from incidents.sla.targets import DEFAULT_POLICY, SlaPolicy
from incidents.store_rows import alert_row_changes, new_alert_row, require_alert, timeline_row
from streams.alerts.model import AlertStatus, Severity
from streams.correlation.commands import CommandKind, IncidentCommand, IncidentFacts, deterministic_id


def apply_command(
    *, session: Session, command: IncidentCommand, now: datetime, sla: SlaPolicy = DEFAULT_POLICY
) -> list[IncidentEvent]:
    """Apply `command` inside a SAVEPOINT and return the events it caused (or caused before).

    Replaying a command returns the events recorded the first time (same ids, kinds, times and
    details; the incident fields carry the incident's current state) and writes nothing.

    Args:
        session: an open session; flushed, never committed.
        command: the command to apply.
        now: the writer's time for this message (aware UTC).
        sla: the SLA policy that sets the deadlines of incidents opened or re-prioritised.

    Returns:
        The events to announce on `incidents.events`, oldest first; empty when there was
        nothing to act on (e.g. resolving an unknown incident).

    Raises:
        ValueError: if an attach or resolve_alert command carries no alert.
        sqlalchemy.exc.IntegrityError: if a unique key still collides on the second attempt.
    """
    try:
        with session.begin_nested():
            return _apply(session, command, now, sla)
    except IntegrityError:
        # Another writer committed the same open group, incident key or alert first (its row is
        # visible now), so the second pass finds that row and attaches instead of inserting.
        with session.begin_nested():
            return _apply(session, command, now, sla)


def _apply(session: Session, command: IncidentCommand, now: datetime, sla: SlaPolicy) -> list[IncidentEvent]:
    """Return the recorded events of `command`, or apply it."""
    recorded = session.scalars(
        select(TimelineEvent).where(TimelineEvent.command_id == command.command_id).order_by(TimelineEvent.id)
    ).all()
    if recorded:
        return [row.as_event() for row in recorded]
    if command.kind is CommandKind.HOLD:
        _hold(session, command, now)
        return []
    if command.kind is CommandKind.SUPPRESS:
        _suppress(session, command, now)
        return []
    if command.kind is CommandKind.REOPEN:
        return _reopen(session, command, now, sla)
    if command.kind is CommandKind.REROOT:
        return _reroot(session, command, now, sla)
    if command.kind is CommandKind.PRIORITIZE:
        return _prioritize(session, command, now, sla)
    if command.kind is CommandKind.RESOLVE_ALERT:
        return _resolve_alert(session, command, now)
    if command.kind is CommandKind.RESOLVE:
        return _resolve(session, command, now)
    if command.kind is CommandKind.MERGE:
        return _merge(session, command, now)
    if command.kind is CommandKind.ATTACH:
        require_alert(command)
    return _open_or_attach(session, command, now, sla)


def _open_or_attach(session: Session, command: IncidentCommand, now: datetime, sla: SlaPolicy) -> list[IncidentEvent]:
    """Attach to the command's incident (or its group's open one); open a new incident if there is none.

    A firing alert does not land silently on an incident a person resolved or closed (see the
    module's docstring): the incident is reopened, or a new one opens in place of a closed one.
    """
    incident = _target(session, command)
    if incident is None:
        return _open(session, command, now, sla)
    if command.alert is None:  # an OPEN without an alert landing on an existing incident adds nothing
        return []
    events: list[IncidentEvent] = []
    if incident.status not in OPEN_STATUSES:
        if command.alert.status is not AlertStatus.FIRING:
            if incident.status == Status.CLOSED:  # a closed incident is history; nothing fires on it
                return []
        else:
            live = _open_of_group(session, incident.group_key)
            if live is not None:
                incident = live
            elif incident.status == Status.CLOSED:
                reason = f"incident {incident.id} was closed"
                return _open(session, command, now, sla, incident_key=successor_key(incident.incident_key), reason=reason)
            else:
                _reopened(incident)
                detail = "re-fired after manual resolve"
                events.append(_record(session, incident, command, EventKind.REOPENED, now, detail))
    _upsert_alert(session, incident, command, status=command.alert.status, ends_at=command.alert.ends_at)
    return events + [attached(session, incident, command, now)]


def attached(session: Session, incident: Incident, command: IncidentCommand, now: datetime) -> IncidentEvent:
    """Finish an attach whose alert row is written: the incident is as bad as its worst alert; record it."""
    return _record(session, incident, command, EventKind.ALERT_ATTACHED, now, attach_detail(incident, command))


def attach_detail(incident: Incident, command: IncidentCommand) -> str:
    """Raise the incident to the attached alert's severity if worse; the timeline text of the attach."""
    alert = require_alert(command)
    if command.severity.rank > Severity(incident.severity).rank:
        incident.severity = str(command.severity)
    return f"{alert.name} on {alert.resource} ({alert.severity})"


def successor_key(incident_key: str) -> str:
    """The key of the incident that opens when the group of the closed incident `incident_key` fires again."""
    return deterministic_id(incident_key, "after-close")


def _open(
    session: Session,
    command: IncidentCommand,
    now: datetime,
    sla: SlaPolicy,
    *,
    incident_key: str | None = None,
    reason: str = "",
) -> list[IncidentEvent]:
    """Insert a triggered incident with the command's alert, and its "opened" event (`reason` says why, if special)."""
    alert = command.alert
    incident = Incident(
        incident_key=incident_key or command.incident_key,
        group_key=command.group_key,
        title=command.title,
        severity=str(command.severity),
        status="triggered",
        site=alert.site if alert else "",
        scope=command.scope,
        alert_count=0,
        opened_at=now,
        updated_at=now,
    )
    incident.record_facts(command.facts or IncidentFacts())
    apply_deadlines(incident, sla)
    session.add(incident)
    session.flush()  # the partial unique index rejects a second open incident of the group here
    if alert is not None:
        _upsert_alert(session, incident, command, status=alert.status, ends_at=alert.ends_at)
    detail = f"opened by {alert.name} on {alert.resource}" if alert else "opened"
    detail = f"{detail} ({reason})" if reason else detail
    events = [_record(session, incident, command, EventKind.OPENED, now, detail)]
    if incident.major:
        events.append(_record(session, incident, command, EventKind.MAJOR_DECLARED, now, incident.major_reason or "major"))
    return events


def _resolve_alert(session: Session, command: IncidentCommand, now: datetime) -> list[IncidentEvent]:
    """Mark the command's alert resolved on its incident; nothing to do if there is no incident.

    Following a closed incident's successors, the alert is resolved on the newest incident that holds it.
    """
    alert = require_alert(command)
    incident = _target(session, command)
    if incident is None:
        return []
    named = _by_key(session, command.incident_key)
    chain = _chain(session, named) if named is not None else [incident]
    if len(chain) > 1:
        holders = set(
            session.scalars(
                select(IncidentAlert.incident_id).where(
                    IncidentAlert.fingerprint == alert.fingerprint,
                    IncidentAlert.incident_id.in_([link.id for link in chain]),
                )
            )
        )
        incident = next((link for link in reversed(chain) if link.id in holders), incident)
    _upsert_alert(session, incident, command, status=AlertStatus.RESOLVED, ends_at=alert.ends_at or now)
    detail = f"{alert.name} on {alert.resource} resolved"
    return [_record(session, incident, command, EventKind.ALERT_RESOLVED, now, detail)]


def _resolve(session: Session, command: IncidentCommand, now: datetime) -> list[IncidentEvent]:
    """Resolve the incident; an already resolved (or closed) one keeps its first resolution and returns its events.

    A person may have resolved it first: correlation's resolve then changes nothing.
    """
    incident = _by_key(session, command.incident_key)
    if incident is None:
        return []
    incident = _chain(session, incident)[-1]
    if incident.status in (Status.RESOLVED, Status.CLOSED):
        earlier = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident.id, TimelineEvent.kind == str(EventKind.RESOLVED))
            .order_by(TimelineEvent.id)
        ).all()
        return [row.as_event() for row in earlier]
    incident.status = "resolved"
    incident.resolved_at = now
    incident.updated_at = now
    return [_record(session, incident, command, EventKind.RESOLVED, now, "resolved")]


def _reopen(session: Session, command: IncidentCommand, now: datetime, sla: SlaPolicy) -> list[IncidentEvent]:
    """Reopen a resolved incident (a re-fire within its reopen window); already open, or superseded, is a no-op.

    A closed incident cannot be reopened: its re-fired alert opens a new incident in its place.
    """
    incident = _by_key(session, command.incident_key)
    if incident is None:
        return []
    incident = _chain(session, incident)[-1]
    if incident.status == Status.CLOSED:
        return _open_or_attach(session, command, now, sla) if command.alert is not None else []
    if incident.status != Status.RESOLVED or _open_of_group(session, incident.group_key) is not None:
        return []
    _reopened(incident)
    detail = f"reopened by {command.alert.name} on {command.alert.resource}" if command.alert else "reopened"
    return [_record(session, incident, command, EventKind.REOPENED, now, detail)]


def _reroot(session: Session, command: IncidentCommand, now: datetime, sla: SlaPolicy) -> list[IncidentEvent]:
    """Name a new root cause: a late cause arrived, a shared cause was inferred, or an inferred one confirmed."""
    incident = _target(session, command)
    if incident is None or command.facts is None:
        return []
    incident.group_key = command.group_key
    incident.title = command.title
    incident.record_facts(command.facts)
    apply_deadlines(incident, sla)  # services may differ now, and with them the calendar
    facts = command.facts
    how = "probable (inferred from its dependants' alerts)" if facts.inferred else "confirmed by its own alert"
    detail = f"root cause {facts.root_name or facts.root} [{facts.root}] ({facts.root_kind}), {how}"
    return [_record(session, incident, command, EventKind.ROOT_CHANGED, now, detail)]


def _prioritize(session: Session, command: IncidentCommand, now: datetime, sla: SlaPolicy) -> list[IncidentEvent]:
    """Record a new impact/urgency/priority; declare the incident major the first time it becomes so."""
    incident = _target(session, command)
    if incident is None or command.facts is None:
        return []
    was_major, before = incident.major, incident.priority
    incident.record_facts(command.facts)
    incident.major = was_major or command.facts.major  # a declared major incident stays major
    apply_deadlines(incident, sla)  # ITIL: counted from opened_at again, against the new priority's targets
    facts = command.facts
    detail = f"{before} → {facts.priority} (impact {facts.impact}, urgency {facts.urgency})"
    events = [_record(session, incident, command, EventKind.PRIORITY_CHANGED, now, detail)]
    if incident.major and not was_major:
        events.append(_record(session, incident, command, EventKind.MAJOR_DECLARED, now, facts.major_reason or "major"))
    return events


def _merge(session: Session, command: IncidentCommand, now: datetime) -> list[IncidentEvent]:
    """Move the absorbed incident's alerts to the survivor and close the absorbed one, `merged_into` the survivor.

    Nothing happens when either incident is unknown, the absorbed one is closed (merged already, or
    closed by a person) or is the survivor itself, or the survivor is closed. A survivor a person
    resolved is reopened when a moved alert still fires: a firing alert is never left unpaged.
    """
    survivor = _target(session, command)
    absorbed = _by_key(session, command.absorbed_key)
    if survivor is None or absorbed is None:
        return []
    absorbed = _chain(session, absorbed)[-1]
    if Status.CLOSED in (absorbed.status, survivor.status) or absorbed.id == survivor.id:
        return []
    moved = _move_alerts(session, absorbed, survivor)
    absorbed.status = str(Status.CLOSED)
    absorbed.merged_into = survivor.id
    absorbed.resolved_at = absorbed.resolved_at or now
    absorbed.closed_at = now
    if Severity(absorbed.severity).rank > Severity(survivor.severity).rank:
        survivor.severity = absorbed.severity
    events = [
        _record(session, absorbed, command, EventKind.MERGED, now,
                f"merged into incident {survivor.id} ({survivor.title}): {moved} alerts moved there", part="absorbed"),
        _record(session, survivor, command, EventKind.MERGED, now,
                f"incident {absorbed.id} ({absorbed.title}) merged into this one: {moved} alerts moved here"),
    ]
    firing = session.scalars(
        select(IncidentAlert.id).where(IncidentAlert.incident_id == survivor.id, IncidentAlert.status == "firing")
    ).first()
    if survivor.status == Status.RESOLVED and firing is not None:
        _reopened(survivor)
        events.append(_record(session, survivor, command, EventKind.REOPENED, now, "a merged alert still fires"))
    return events


def _move_alerts(session: Session, absorbed: Incident, survivor: Incident) -> int:
    """Re-home the absorbed incident's alerts on the survivor (as symptoms of its root); return how many moved.

    An alert the survivor already holds keeps the survivor's row. Both counts are recounted.
    """
    session.flush()
    held = select(IncidentAlert.fingerprint).where(IncidentAlert.incident_id == survivor.id).scalar_subquery()
    session.execute(
        delete(IncidentAlert).where(IncidentAlert.incident_id == absorbed.id, IncidentAlert.fingerprint.in_(held)),
        execution_options={"synchronize_session": "fetch"},
    )
    root = survivor.root_component
    symptom = case((IncidentAlert.component == root, False), else_=True) if root is not None else True
    moved = session.execute(
        update(IncidentAlert).where(IncidentAlert.incident_id == absorbed.id).values(incident_id=survivor.id, symptom=symptom),
        execution_options={"synchronize_session": "fetch"},
    ).rowcount
    session.expire(absorbed, ["alerts"])
    session.expire(survivor, ["alerts"])
    for incident in (absorbed, survivor):
        incident.alert_count = session.scalar(
            select(func.count()).select_from(IncidentAlert).where(IncidentAlert.incident_id == incident.id)
        )
    return moved


def _hold(session: Session, command: IncidentCommand, now: datetime) -> None:
    """Remember a held alert, unless a replay finds it already part of an open incident."""
    alert = require_alert(command)
    attached = session.scalars(
        select(IncidentAlert.id)
        .join(Incident)
        .where(IncidentAlert.fingerprint == alert.fingerprint, Incident.status.in_(OPEN_STATUSES))
    ).first()
    if attached is not None or command.disposition is None or command.disposition.until is None:
        return
    row = session.get(CorrelationHold, alert.fingerprint) or CorrelationHold(fingerprint=alert.fingerprint, created_at=now)
    row.scope = command.scope
    row.change_id = command.command_id
    row.component = command.component
    row.group_key = command.group_key
    row.alert = alert.to_dict()
    row.held_until = command.disposition.until
    row.reason = command.disposition.reason
    session.add(row)


def _suppress(session: Session, command: IncidentCommand, now: datetime) -> None:
    """Record (or update) a suppressed alert occurrence: suppressed alerts are visible and counted, never dropped."""
    alert = require_alert(command)
    disposition = command.disposition
    if disposition is None:
        raise ValueError(f"suppress command {command.command_id} carries no disposition")
    session.execute(delete(CorrelationHold).where(CorrelationHold.fingerprint == alert.fingerprint))
    row = session.scalars(
        select(SuppressedAlert).where(
            SuppressedAlert.fingerprint == alert.fingerprint, SuppressedAlert.starts_at == alert.starts_at
        )
    ).first()
    if row is None:
        row = SuppressedAlert(
            fingerprint=alert.fingerprint, starts_at=alert.starts_at, suppressed_at=now, change_id=command.command_id
        )
        session.add(row)
    row.scope = command.scope
    row.name = alert.name
    row.resource = alert.resource
    row.severity = str(alert.severity)
    row.status = str(alert.status)
    row.kind = str(disposition.kind)
    row.suppressed_by = disposition.by
    row.reason = disposition.reason
    row.alert = alert.to_dict()
    row.ends_at = alert.ends_at
    row.updated_at = now


def _open_of_group(session: Session, group_key: str) -> Incident | None:
    """The open incident of a group, if any."""
    return session.scalars(
        select(Incident).where(Incident.group_key == group_key, Incident.status.in_(OPEN_STATUSES))
    ).first()


def _target(session: Session, command: IncidentCommand) -> Incident | None:
    """The incident named by the key (or the newest one opened in its place after a close), else the open
    incident of the group (stream state was rebuilt)."""
    incident = _by_key(session, command.incident_key)
    if incident is not None:
        return _chain(session, incident)[-1]
    return _open_of_group(session, command.group_key)


def _chain(session: Session, incident: Incident) -> list[Incident]:
    """`incident`, then each incident it was merged into or that opened in place of it once closed, oldest first."""
    chain = [incident]
    while chain[-1].status == Status.CLOSED:
        merged_into = chain[-1].merged_into
        successor = (
            session.get(Incident, merged_into) if merged_into is not None
            else _by_key(session, successor_key(chain[-1].incident_key))
        )
        if successor is None:
            break
        chain.append(successor)
    return chain


def _reopened(incident: Incident) -> None:
    """Put a resolved incident back to triggered: unresolved, and nobody has acknowledged it since."""
    incident.status = str(Status.TRIGGERED)
    incident.resolved_at = None
    incident.acknowledged_at = None
    incident.acknowledged_by = None


def _by_key(session: Session, incident_key: str) -> Incident | None:
    """The incident with this key, if any."""
    return session.scalars(select(Incident).where(Incident.incident_key == incident_key)).first()


def _upsert_alert(
    session: Session, incident: Incident, command: IncidentCommand, *, status: AlertStatus, ends_at: datetime | None
) -> None:
    """Insert or update the incident's row for the command's alert; a new row adds one to the incident's count.

    The alert is no longer held once it is part of an incident, so its hold row goes.
    """
    alert = require_alert(command)
    session.execute(delete(CorrelationHold).where(CorrelationHold.fingerprint == alert.fingerprint))
    row = session.scalars(
        select(IncidentAlert).where(
            IncidentAlert.incident_id == incident.id, IncidentAlert.fingerprint == alert.fingerprint
        )
    ).first()
    write_alert_row(session, incident, command, row, status=status, ends_at=ends_at)


def write_alert_row(
    session: Session, incident: Incident, command: IncidentCommand, row: IncidentAlert | None,
    *, status: AlertStatus, ends_at: datetime | None,
) -> IncidentAlert:
    """Write the command's alert into `row`, the incident's row for it, or into a new row counted on the incident.

    The caller found `row` (None: the incident has no row for the alert) and removed the alert's hold.
    """
    changes = alert_row_changes(command, status=status, ends_at=ends_at)
    if row is None:
        row = IncidentAlert(**{**new_alert_row(incident, command), **changes})
        session.add(row)
        incident.alert_count += 1
        return row
    for column, value in changes.items():
        setattr(row, column, value)
    return row


def _record(
    session: Session, incident: Incident, command: IncidentCommand, kind: EventKind, now: datetime, detail: str,
    *, part: str = "",
) -> IncidentEvent:
    """Write one timeline row for `command` and return it as an event (`part` tells apart two of one kind)."""
    incident.updated_at = now
    row = TimelineEvent(incident=incident, **timeline_row(command, kind, now, detail, part=part))
    session.add(row)
    return row.as_event()
