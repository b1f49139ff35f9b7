"""Pure: what kind of trouble an alert reports (power, cooling, network, …), and which upstream relations can cause it.

Correlation only blames an upstream component whose relation can explain the symptom: a hot
server is explained by its cooling zone or air conditioner, not by the UPS that also feeds it;
a server that stopped answering can be explained by its power, its cooling or its network.
Sources rarely say which kind an alert is, so the category comes from a `category` label when
present, else from words in the alert name (English and Chinese), else it is OTHER.
"""
from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

from streams.alerts.model import Alert
from streams.correlation.topology import Relation


class Category(StrEnum):
    """The kind of trouble; it picks which upstream relations may be the cause."""

    POWER = "power"
    COOLING = "cooling"
    NETWORK = "network"
    SAFETY = "safety"  # smoke, fire, water leak: causes in themselves, never symptoms
    AVAILABILITY = "availability"  # a device stopped answering: power, cooling or network may explain it
    SERVICE = "service"
    OTHER = "other"


# Order matters: the first category whose pattern matches the name wins.
_NAME_PATTERNS: tuple[tuple[Category, re.Pattern[str]], ...] = tuple(
    (category, re.compile(pattern, re.IGNORECASE))
    for category, pattern in (
        (Category.SAFETY, r"smoke|fire|leak|water|烟|火|漏水|水浸"),
        (Category.COOLING, r"temp|humid|cool|thermal|overheat|hvac|\bcrac|air ?con|\bfans?\b|throttl|空调|温度|湿度|制冷"),
        (Category.POWER, r"\bups\b|batter|\bpdu|power|volt|mains|utility|breaker|generator|\bats\b|电源|市电|电池|供电|断电"),
        (Category.NETWORK, r"\blink|interface|\bif ?oper|switch|\bbgp|\bospf|network|packet|\bports?\b|网络|链路|交换机"),
        (Category.AVAILABILITY, r"\bdown\b|unreachable|unavailable|no ?data|absent|\bping|heartbeat|宕机|不可达"),
        (Category.SERVICE, r"service|error ?rate|latency|slo|业务|服务"),
    )
)

#: Which relations (of the last hop to the upstream) can explain an alert of each category.
CAUSE_RELATIONS: Mapping[Category, frozenset[Relation]] = MappingProxyType({
    Category.POWER: frozenset({Relation.POWER}),
    Category.COOLING: frozenset({Relation.COOLING}),
    Category.NETWORK: frozenset({Relation.NETWORK}),
    Category.SAFETY: frozenset(),
    Category.AVAILABILITY: frozenset({Relation.POWER, Relation.COOLING, Relation.NETWORK}),
    Category.SERVICE: frozenset(Relation),
    Category.OTHER: frozenset(),
})

_BY_VALUE = {category.value: category for category in Category}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _words(name: str) -> str:
    """'UPSOnBattery' -> 'UPS On Battery', 'node_down' -> 'node down': word boundaries for the patterns."""
    return _CAMEL.sub(" ", name.replace("_", " ").replace("-", " "))


def category_of(alert: Alert) -> Category:
    """Return the alert's category: its `category` label if valid, else guessed from its name."""
    labelled = alert.labels.get("category", "").strip().lower()
    if labelled in _BY_VALUE:
        return _BY_VALUE[labelled]
    return _category_of_name(alert.name)


@lru_cache(maxsize=4096)
def _category_of_name(alert_name: str) -> Category:
    """The category the name suggests; cached, because a storm is a few alert names thousands of times."""
    name = _words(alert_name)
    for category, pattern in _NAME_PATTERNS:
        if pattern.search(name):
            return category
    return Category.OTHER
