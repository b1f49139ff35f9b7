"""Pure: choose the escalation policy an incident follows (first matching route, else the default; a drill's own)."""
from __future__ import annotations

from typing import Mapping, Sequence

from notify.directory import Directory, EscalationLevel, EscalationPolicy, PolicyRoute, Target, TargetKind

#: The id a drill's policy is snapshotted under (it shows on the escalation row).
DRILL_POLICY_ID = "drill"


def policy_for(directory: Directory, incident: Mapping[str, object]) -> EscalationPolicy:
    """The policy of the first route whose every `match` field equals the incident's.

    `incident` holds site, category, priority, major, root_kind and services (a list); a route
    matching `service` matches when the incident affects that service.

    Raises:
        KeyError: if the chosen policy id is not in the directory (the loader prevents this).
    """
    route = next((route for route in directory.routes if _matches(route, incident)), None)
    return directory.policies[route.policy if route else directory.default_policy]


def _matches(route: PolicyRoute, incident: Mapping[str, object]) -> bool:
    """True when every matcher of `route` holds for `incident`."""
    return all(_field_matches(incident, name, wanted) for name, wanted in route.match.items())


def _field_matches(incident: Mapping[str, object], name: str, wanted: str) -> bool:
    """One matcher: services match by membership, booleans by "true"/"false", the rest by equality."""
    value = incident.get("services" if name == "service" else name)
    if name == "service":
        return wanted in (value if isinstance(value, Sequence) else ())
    if isinstance(value, bool):
        return wanted.lower() == str(value).lower()
    return str(value) == wanted


def drill_policy(participants: Sequence[str], routed: EscalationPolicy) -> EscalationPolicy:
    """A drill pages only its participants, once, with the routed policy's first wait (no levels, no repeats).

    The wait is kept so the drill rehearses the real timing: participants who do not acknowledge
    within it see the drill's escalation end as `exhausted`, which is what the drill reports.
    """
    targets = tuple(Target(TargetKind.PERSON, person) for person in dict.fromkeys(participants))
    return EscalationPolicy(
        id=DRILL_POLICY_ID,
        name=f"drill ({routed.name})",
        levels=(EscalationLevel(targets=targets, after=routed.levels[0].after),),
    )
