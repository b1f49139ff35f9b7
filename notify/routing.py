"""Pure: choose the escalation policy an incident follows (first matching route, else the default)."""
from __future__ import annotations

from typing import Mapping, Sequence

from notify.directory import Directory, EscalationPolicy, PolicyRoute


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
