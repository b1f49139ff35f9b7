"""Pure: read the `policies`, `routing` and `limits` sections of a paging file.

Durations that drive escalation (`after`, `no_progress_after`, a limit's `per`) must be above
zero: a level that escalates "after 0m" would walk the whole policy at once and page every
line in the same second. The reader it is given collects the errors and references.
"""
from __future__ import annotations

from datetime import timedelta

from notify.directory import EscalationLevel, EscalationPolicy, PolicyRoute, RateLimit, Target, TargetKind
from notify.directory_format import Located, parse_duration
from notify.directory_reader import Reader, Routing, is_text

POLICY_KEYS = ("id", "name", "repeat", "no_progress_after", "levels")
LEVEL_KEYS = ("targets", "after")
ROUTING_KEYS = ("default_policy", "routes", "major")
ROUTE_KEYS = ("match", "policy")
MATCH_KEYS = ("site", "category", "priority", "major", "root_kind", "service")
LIMIT_KEYS = ("count", "per")


def _positive(value: object) -> timedelta:
    """A duration above zero."""
    return parse_duration(value, allow_zero=False)


class PolicyReader:
    """Turns located policy, routing and limit mappings into contract values, reporting through `reader`."""

    def __init__(self, reader: Reader) -> None:
        self.r = reader

    def policy(self, item: Located) -> None:
        """One escalation policy, added to the document."""
        pid = self.r.ident(item, "policy")
        context = f"policy {pid or '?'}"
        self.r.check_keys(item, POLICY_KEYS, ("id", "name", "levels"), context)
        repeat = item.get("repeat", 0)
        if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 0:
            self.r.error(item.line_of("repeat"), context, f"repeat {repeat!r} (expected a whole number, 0 or more)")
            repeat = 0
        no_progress = self.r.parsed(item, "no_progress_after", _positive, context)
        entries = self.r.items(item, "levels", context)
        levels = [
            level for number, entry in enumerate(entries, start=1)
            if (level := self.level(entry, f"{context}, level {number}")) is not None
        ]
        if "levels" in item and not entries:
            self.r.error(item.line_of("levels"), context, "no levels (expected at least one level with targets and after)")
        if pid is not None:
            self.r.doc.policies.append((self.r.where(item.line), EscalationPolicy(
                id=pid, name=self.r.text(item, "name", context, default=pid), levels=tuple(levels),
                repeat=repeat, no_progress_after=no_progress,
            )))

    def level(self, item: Located, context: str) -> EscalationLevel | None:
        """One level: targets paged, then `after` until the next level (None if unusable, error reported)."""
        self.r.check_keys(item, LEVEL_KEYS, LEVEL_KEYS, context)
        after = self.r.parsed(item, "after", _positive, context)
        targets = self.targets(item, "targets", context)
        if "targets" in item and not item["targets"]:
            self.r.error(item.line_of("targets"), context, "no targets (expected e.g. [{schedule: line1}])")
        return None if after is None or not targets else EscalationLevel(targets=targets, after=after)

    def targets(self, node: Located, key: str, context: str) -> tuple[Target, ...]:
        """Targets written as {schedule: ID}, {group: ID} or {person: ID}; each id becomes a reference."""
        found = []
        kinds = tuple(str(k) for k in TargetKind)
        for item in self.r.items(node, key, context):
            named = [k for k in item if k in kinds]
            if len(item) != 1 or len(named) != 1:
                self.r.error(item.line, context, f"target {dict(item)!r} (expected exactly one of {', '.join(kinds)}, e.g. {{group: line2}})")
                continue
            ident = self.r.text(item, named[0], context)
            if ident is not None:
                self.r.ref(item.line, named[0], ident, context)
                found.append(Target(kind=TargetKind(named[0]), id=ident))
        return tuple(found)

    def routing(self, data: Located) -> None:
        """The routing section: default policy, routes in order, major-incident targets."""
        node = data["routing"]
        if not isinstance(node, Located):
            self.r.error(data.line_of("routing"), "routing", "must be a mapping (expected default_policy, routes, major)")
            return
        self.r.check_keys(node, ROUTING_KEYS, ("default_policy",), "routing")
        default = self.r.text(node, "default_policy", "routing")
        if default is not None:
            self.r.ref(node.line_of("default_policy"), "policy", default, "routing default_policy")
        routes = []
        for number, item in enumerate(self.r.items(node, "routes", "routing"), start=1):
            context = f"routing, route {number}"
            self.r.check_keys(item, ROUTE_KEYS, ROUTE_KEYS, context)
            policy = self.r.text(item, "policy", context)
            if policy is not None:
                self.r.ref(item.line_of("policy"), "policy", policy, context)
            match = self.match(item, context)
            if policy is not None and match is not None:
                routes.append(PolicyRoute(policy=policy, match=match))
        major = self.targets(node, "major", "routing major")
        self.r.doc.routing = Routing(self.r.where(node.line), default or "", tuple(routes), major)

    def match(self, item: Located, context: str) -> dict[str, str] | None:
        """A route's match fields as text (a YAML boolean becomes "true"/"false")."""
        value = item.get("match")
        if not isinstance(value, Located) or not value:
            if value is not None:
                self.r.error(item.line_of("match"), context, f"match {value!r} (expected a mapping like {{category: power}})")
            return None
        self.r.check_keys(value, MATCH_KEYS, (), f"{context}, match")
        result = {}
        for key, raw in value.items():
            if isinstance(raw, bool):
                raw = "true" if raw else "false"
            if not is_text(raw):
                self.r.error(value.line_of(key), context, f"match {key}: {raw!r} (expected a text value)")
                continue
            result[str(key)] = str(raw)
        return result

    def limits(self, data: Located) -> None:
        """Per-contact-method rate limits replacing the defaults."""
        found = []
        for item in self.r.items(data, "limits", "limits"):
            self.r.check_keys(item, LIMIT_KEYS, LIMIT_KEYS, "limits")
            count = item.get("count")
            if "count" in item and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
                self.r.error(item.line_of("count"), "limits", f"count {count!r} (expected a whole number, 1 or more)")
                continue
            per = self.r.parsed(item, "per", _positive, "limits")
            if count is not None and per is not None:
                found.append(RateLimit(count=count, per=per))
        if isinstance(data["limits"], list) and not data["limits"]:
            self.r.error(data.line_of("limits"), "limits", "empty list (expected limits like {count: 1, per: 1m}, or leave it out for the defaults)")
        self.r.doc.limits = (self.r.where(data.line_of("limits")), tuple(found))
