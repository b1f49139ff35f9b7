"""I/O: run correlation scenarios against a running pipeline and collect what it did, for `alertdesk replay --score`.

Steps (docs/scenarios.md, "Correlation scenarios"): create each scenario's setup through the
API, replay every scenario's alerts onto `alerts.raw` on one merged schedule (they are isolated
by site, so they can run together), wait until the pipeline is quiet, then read incidents,
pages and suppressed alerts back through the API into one `Outcome` per scenario for the scorer.
The topology is loaded by the caller (the CLI, or the test's `topology_files`).
Every HTTP call has a timeout; every wait has a deadline.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable, Mapping, Sequence

import httpx

from alertdesk.cli.common import Broker, send_envelope
from alertdesk.cli.scenario_files import Scenario
from alertdesk.correlation import SILENCE_REFRESH_S
from notify.notifications import PAGING_PURPOSES
from streams.alerts.model import Envelope
from streams.alerts.scenario import CONTENT_TYPE
from streams.clock import Clock, parse_instant
from streams.correlation.expectations import AlertKey
from streams.correlation.scoring import FoundIncident, Outcome
from streams.kafka_admin import RawProducer

HTTP_TIMEOUT_S = 10.0
PAGE_SIZE = 500
# Outbox states of a page the pager decided to send: sent, being sent, or due (perhaps held by a rate limit).
PAGE_DECIDED = frozenset({"sent", "sending", "pending"})


class ScenarioRunError(RuntimeError):
    """The pipeline refused a setup step or did not settle in time; the message says which."""


@dataclass(frozen=True)
class Sent:
    """When each alert of each scenario was first sent: scenario name -> alert key -> time."""

    first: dict[str, dict[AlertKey, datetime]]


class ScenarioRunner:
    """Talks to one running pipeline: its API at `api_url` and its broker."""

    def __init__(
        self, api_url: str, broker: Broker, clock: Clock, *, echo: Callable[[str], None] = lambda _: None,
        headers: Mapping[str, str] | None = None,
    ):
        self.api_url = api_url.rstrip("/")
        self.headers = dict(headers or {})  # Authorization: the API needs a viewer to read, an operator to set up
        self.broker = broker
        self.clock = clock
        self.echo = echo

    def setup(self, scenarios: Iterable[Scenario], start: datetime) -> None:
        """Create every scenario's maintenance windows and silences, times relative to `start`.

        Then wait one reload of the correlate stage's silence catalogue (`SILENCE_REFRESH_S`):
        alerts sent sooner would race it and page for what the setup should have muted.
        """
        created = 0
        for scenario in scenarios:
            for step in scenario.expected.setup:
                response = httpx.post(
                    self.api_url + step.path, json=step.body(start), headers=self.headers, timeout=HTTP_TIMEOUT_S
                )
                if response.status_code >= 300:
                    raise ScenarioRunError(f"{scenario.name}: setup {step.path} refused: {response.status_code} {response.text}")
                created += 1
        if created:
            self.echo(f"created {created} setup item(s); waiting {SILENCE_REFRESH_S + 1:g}s for the correlators to load them")
            time.sleep(SILENCE_REFRESH_S + 1.0)

    def replay(self, scenarios: Sequence[Scenario], *, speed: float) -> Sent:
        """Send every scenario's lines on one schedule (`at / speed` after now; speed 0: at once, in order)."""
        plan = sorted(
            ((line.at, index, position, line) for index, scenario in enumerate(scenarios)
             for position, line in enumerate(scenario.lines)),
            key=lambda item: item[:3],
        )
        first: dict[str, dict[AlertKey, datetime]] = {scenario.name: {} for scenario in scenarios}
        start = time.monotonic()
        producer = RawProducer(self.broker.servers)
        try:
            for at, index, _, line in plan:
                delay = (at / speed if speed else 0.0) - (time.monotonic() - start)
                if delay > 0:
                    time.sleep(delay)  # the replay's own pacing, as `alertdesk replay` does
                envelope = Envelope(line.source, self.clock.now(), CONTENT_TYPE, line.body, uuid.uuid4().hex)
                send_envelope(producer, self.broker, envelope)
                scenario = scenarios[index]
                for key in scenario.keys_by_line[line.line]:
                    first[scenario.name].setdefault(key, envelope.received_at)
        finally:
            producer.close()
        self.echo(f"replayed {len(plan)} line(s) of {len(scenarios)} scenario(s)")
        return Sent(first)

    def wait_quiet(self, *, quiet_s: float, timeout_s: float) -> None:
        """Wait until incidents, their alerts, pages and suppressed alerts stop changing for `quiet_s`.

        Raises:
            ScenarioRunError: still changing after `timeout_s`.
        """
        deadline = time.monotonic() + timeout_s
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:
            now_state = self._fingerprint()
            if now_state != last:
                last, since = now_state, time.monotonic()
            elif time.monotonic() - since >= quiet_s:
                return
            time.sleep(0.25)  # polling interval of a bounded wait
        raise ScenarioRunError(f"the pipeline did not settle within {timeout_s:g}s")

    def outcome(self, scenario: Scenario, sent: Sent) -> Outcome:
        """The scenario's incidents (by its site), their pages, and its suppressed alerts, read from the API."""
        site = scenario.expected.site
        # A page is one person the pager decided to reach for one escalation step, however many channels
        # carry it (SMS, then a call): sent, or still on its way (held back by the phone's rate limit behind
        # another scenario's page). Notices (acknowledged, resolved) and messages never sendable are not pages.
        paged = {
            (page["incident_id"], page["cycle"], page["purpose"], page["escalation_level"], page["recipient"])
            for page in self.items("/api/pages")
            if page["purpose"] in PAGING_PURPOSES and page["status"] in PAGE_DECIDED
        }
        pages: dict[int, int] = {}
        for incident_id, *_ in paged:
            pages[incident_id] = pages.get(incident_id, 0) + 1
        incidents = []
        for summary in self.items("/api/incidents"):
            if summary["scope"] != site or summary["merged_into"] is not None:  # an absorbed incident lives on in its survivor
                continue
            detail = self._get(f"/api/incidents/{summary['id']}")
            incidents.append(FoundIncident(
                alerts=frozenset((alert["resource"], alert["name"]) for alert in detail["alerts"]),
                root=summary["root_component"],
                category=summary["category"],
                priority=summary["priority"],
                major=summary["major"],
                status="resolved" if summary["status"] == "resolved" else "open",
                opened_at=parse_instant(summary["opened_at"]),
                pages=pages.get(summary["id"], 0),
            ))
        suppressed = {(row["resource"], row["name"]): row["kind"] for row in self.items(f"/api/suppressed-alerts?scope={site}")}
        return Outcome(tuple(incidents), suppressed, sent.first.get(scenario.name, {}))

    def _fingerprint(self) -> tuple:
        incidents = tuple(sorted((i["id"], i["alert_count"], i["status"], i["priority"]) for i in self.items("/api/incidents")))
        return incidents, self._get("/api/pages?limit=1")["total"], self._get("/api/suppressed-alerts?limit=1")["total"]

    def items(self, path: str) -> list[dict]:
        """Every item of a paged API list (incidents, pages, suppressed alerts)."""
        items: list[dict] = []
        separator = "&" if "?" in path else "?"
        while True:
            body = self._get(f"{path}{separator}limit={PAGE_SIZE}&offset={len(items)}")
            items += body["items"]
            if not body["items"] or len(items) >= body["total"]:
                return items

    def _get(self, path: str) -> dict:
        response = httpx.get(self.api_url + path, headers=self.headers, timeout=HTTP_TIMEOUT_S)
        response.raise_for_status()
        return response.json()
