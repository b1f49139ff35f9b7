"""I/O: settings, parsed once from defaults, a TOML file and `ALERTDESK_*` environment variables into a frozen object.

Precedence: defaults < config file < environment. Unknown keys are errors naming the file (or
variable) and the key, so a typo never silently falls back to a default.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from incidents.sla.targets import SlaPolicy

ENV_PREFIX = "ALERTDESK_"
DEFAULT_CONFIG_FILE = Path("alertdesk.toml")


class SettingsError(ValueError):
    """A configuration value or key is invalid; the message names where it came from."""


@dataclass(frozen=True)
class Settings:
    """Everything an operator can configure. Empty `kafka_bootstrap_servers` means the embedded broker."""

    kafka_bootstrap_servers: tuple[str, ...] = ()
    topic_prefix: str = "alertdesk."
    partitions: int = 4
    replication_factor: int = 1
    database_url: str = "sqlite:///var/alertdesk.db"
    data_dir: Path = Path("var")
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    fetch_max_wait_ms: int = 10
    session_timeout_s: float = 10.0
    ingest_ack_timeout_s: float = 5.0
    ingest_max_in_flight: int = 512
    ingest_max_body_bytes: int = 8 * 1024 * 1024
    # "NAME=INTERVAL;KEY=VALUE…", e.g. "prometheus-dc1=2m;site=dc1" (incidents/heartbeats/schedule.py).
    heartbeats: tuple[str, ...] = ()
    heartbeat_check_interval_s: float = 5.0
    # "source=bearer:TOKEN", "source=basic:USER:PASSWORD", "*=…" (streams/alerts/receivers/auth.py); empty = open.
    # Secrets: kept out of repr so a logged Settings never shows them.
    ingest_auth: tuple[str, ...] = dataclasses.field(default=(), repr=False)
    page_send_timeout_s: float = 10.0
    # Paging (docs/paging.md): how often the timer loop looks for due escalation steps and messages, and the
    # base URL people and Twilio reach this worker at (links in SMS, webhooks); empty = http://HTTP_HOST:HTTP_PORT.
    paging_tick_s: float = 0.5
    public_url: str = ""
    # Shift handoff notices (docs/paging.md#shift-handoff-notices): a notice whose shift began longer ago than
    # this (the pager was down) is recorded as not sent instead of arriving late.
    handoff_grace_s: float = 900.0
    # Silence reminders to their creator (docs/paging.md#silence-reminders): this long before a silence ends,
    # and once a silence has been open this long.
    silence_remind_before_expiry_s: float = 1800.0
    silence_remind_open_after_s: float = 86400.0
    # Twilio (docs/paging.md#twilio): credentials from the environment, never from a file in the repository.
    # With no account and no paging file, `up` runs the bundled Twilio fake for the demo phone.
    twilio_account_sid: str = dataclasses.field(default="", repr=False)
    twilio_auth_token: str = dataclasses.field(default="", repr=False)
    twilio_from_number: str = ""
    twilio_api_base_url: str = "https://api.twilio.com"
    # Chat group bots "NAME=KIND:URL;secret=S" (dingtalk, wecom, feishu); a contact's address names the bot. Secrets.
    chat_bots: tuple[str, ...] = dataclasses.field(default=(), repr=False)
    # SNMP traps (docs/snmp.md): "HOST:PORT" to listen on, empty = off; v1/v2c communities; v3 users as
    # "user=NAME engine=HEX auth=PROTO:KEY priv=PROTO:KEY" (streams/alerts/receivers/snmp_config.py). Secrets.
    snmp_listen: str = ""
    snmp_communities: tuple[str, ...] = dataclasses.field(default=(), repr=False)
    snmp_v3_users: tuple[str, ...] = dataclasses.field(default=(), repr=False)
    # Vendor trap mapping files (YAML), loaded after the built-in UPS-MIB mapping.
    snmp_mapping_files: tuple[str, ...] = ()
    # Flap detection (streams/alerts/flapping.py): flapping starts at more than `flap_threshold` flips
    # in `flap_window_s`, ends at most `unflap_threshold` flips in the window and none for `flap_quiet_s`.
    flap_window_s: float = 600.0
    flap_threshold: int = 4
    unflap_threshold: int = 1
    flap_quiet_s: float = 300.0
    # Topology files (YAML/CSV, docs/topology.md) validated and loaded into the database at startup.
    topology_files: tuple[str, ...] = ()
    # Paging files (YAML, docs/paging-file.md): people, schedules, escalation policies; empty = the
    # embedded default directory (one person "on-call" on the console, notify/default_directory.py).
    paging_files: tuple[str, ...] = ()
    # Correlation (docs/correlation.md): windows in seconds, label grouping for alerts with no topology.
    correlation_window_s: float = 300.0
    correlation_hold_down_s: float = 5.0
    correlation_quiet_period_s: float = 0.0
    correlation_reopen_window_s: float = 600.0
    correlation_group_by: tuple[str, ...] = ("alertname", "site")
    correlation_group_wait_s: float = 0.0
    # How often the correlate stage looks for a new topology revision in the database.
    correlation_topology_refresh_s: float = 10.0
    # "impact:urgency=P1" entries over the ITIL default matrix; alert names that make an incident major.
    priority_matrix: tuple[str, ...] = ()
    major_alertnames: tuple[str, ...] = ("UPSOnBattery", "UPSLowBattery", "UtilityPowerLost")
    # Life safety (docs/silences.md#life-safety): "ALERTNAME=CLASS" entries added to the built-in names
    # (streams/correlation/safety_rules.py); silences and maintenance never mute them without an approved exception.
    safety_alertnames: tuple[str, ...] = ()
    # SLA clocks (docs/sla.md): "P1=15m/4h" response/resolution targets over the ITIL defaults; business
    # calendars "NAME=Mon-Fri 09:00-17:00 Asia/Shanghai; holidays=2026-10-01..2026-10-08; workdays=2026-09-27";
    # "SERVICE=CALENDAR" and "CATEGORY=CALENDAR" choose an incident's calendar, else `sla_default_calendar`;
    # a warning once `sla_warning_fraction` of a target has passed; the monitor looks every `sla_check_interval_s`.
    sla_targets: tuple[str, ...] = ()
    sla_calendars: tuple[str, ...] = ()
    sla_service_calendars: tuple[str, ...] = ()
    sla_category_calendars: tuple[str, ...] = ()
    sla_default_calendar: str = "24x7"
    sla_warning_fraction: float = 0.8
    sla_check_interval_s: float = 5.0
    # Access (docs/security.md): sign-in and roles on the HTTP app. `auth_enabled = false` is only for a closed
    # lab: everyone is an admin. Web sessions end `session_max_age_s` after sign-in or after
    # `session_idle_timeout_s` unused.
    auth_enabled: bool = True
    session_max_age_s: float = 12 * 3600.0
    session_idle_timeout_s: float = 2 * 3600.0
    # The API token the CLI sends to the worker (ALERTDESK_API_TOKEN); empty = the one `up` wrote to <data_dir>/cli-token.
    api_token: str = dataclasses.field(default="", repr=False)
    # Reports (docs/reports.md): the IANA time zone days, weeks and months are counted in.
    report_timezone: str = "Asia/Shanghai"
    # Runbooks (docs/runbooks.md): folders of runbook files loaded after the shipped library (a file there may
    # replace a shipped runbook of the same id); programs an approved automated step may run (argv[0], exactly;
    # empty = no command can run); how often overdue steps are looked for.
    runbook_dirs: tuple[str, ...] = ()
    runbook_allowed_commands: tuple[str, ...] = ()
    runbook_tick_s: float = 5.0
    # Metrics sampled on a timer (docs/deploy.md#metrics): consumer lag, DLQ size, open incidents, due escalations;
    # an escalation step due for longer than `escalation_overdue_after_s` counts as overdue.
    metrics_sample_interval_s: float = 15.0
    escalation_overdue_after_s: float = 60.0
    log_level: str = "warning"

    @property
    def embedded_broker(self) -> bool:
        """True when no cluster is configured and `up` must start tansu."""
        return not self.kafka_bootstrap_servers


def _coerce(name: str, kind: Any, value: Any, where: str) -> Any:
    """Convert a file or environment value to the field's type, or explain why it cannot be."""
    try:
        if kind == "tuple[str, ...]":
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(item.strip() for item in items if str(item).strip())
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if str(value).strip().lower() in ("true", "1", "yes", "on"):
                return True
            if str(value).strip().lower() in ("false", "0", "no", "off"):
                return False
            raise ValueError("expected true or false")
        if kind == "int":
            if isinstance(value, bool):
                raise ValueError("a boolean is not an integer")
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "Path":
            return Path(value)
        if kind == "str":
            if not isinstance(value, str):
                raise ValueError(f"expected text, got {type(value).__name__}")
            return value
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{where}: {name} = {value!r} is not a valid {kind}: {exc}") from exc
    raise SettingsError(f"{where}: {name} has unsupported type {kind}")


def _known() -> Mapping[str, str]:
    return {f.name: str(f.type) for f in fields(Settings)}


def from_mapping(values: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Validate and convert a flat mapping of setting names to values read from `where`."""
    known = _known()
    result = {}
    for name, value in values.items():
        if name not in known:
            raise SettingsError(f"{where}: unknown setting {name!r} (known: {', '.join(sorted(known))})")
        result[name] = _coerce(name, known[name], value, where)
    return result


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read `ALERTDESK_<NAME>` variables; an unknown `ALERTDESK_` variable is an error (typos must not pass).

    `ALERTDESK_CONFIG` names the file and `ALERTDESK_TEST_*` belong to the test suite; neither is a setting.
    """
    picked = {
        key[len(ENV_PREFIX):].lower(): value
        for key, value in environ.items()
        if key.startswith(ENV_PREFIX) and key != "ALERTDESK_CONFIG" and not key.startswith("ALERTDESK_TEST_")
    }
    return from_mapping(picked, "environment (ALERTDESK_*)")


def load_settings(config_file: Path | None = None, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build the settings: defaults, then the config file (if any), then the environment, then `overrides`.

    Raises:
        SettingsError: on an unknown key, a bad value, or a config file that is named but missing.
    """
    environ = os.environ if environ is None else environ
    named = config_file or (Path(environ["ALERTDESK_CONFIG"]) if "ALERTDESK_CONFIG" in environ else None)
    values: dict[str, Any] = {}
    path = named or DEFAULT_CONFIG_FILE
    if path.exists():
        try:
            values.update(from_mapping(tomllib.loads(path.read_text("utf-8")), str(path)))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: not valid TOML: {exc}") from exc
    elif named:
        raise SettingsError(f"config file {path} does not exist")
    values.update(from_environment(environ))
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = dataclasses.replace(Settings(), **values)
    _check_ingest_auth(settings)
    _check_heartbeats(settings)
    _check_snmp(settings)
    _check_sla(settings)
    return settings


def ingest_auth_sources() -> tuple[str, ...]:
    """Every source an `ingest_auth` entry may name: the HTTP receivers' and the heartbeat pings'."""
    # Imported here: the receivers pull in FastAPI, which commands that only read settings need not load.
    from streams.alerts.parsers.heartbeat import SOURCE as HEARTBEAT_SOURCE
    from streams.alerts.receivers.http import INGEST_SOURCES

    return (*INGEST_SOURCES, HEARTBEAT_SOURCE)


def _check_ingest_auth(settings: Settings) -> None:
    """Refuse bad `ingest_auth` entries now, as a configuration error, rather than once the broker is up."""
    from streams.alerts.receivers.auth import parse_ingest_auth

    try:
        parse_ingest_auth(settings.ingest_auth, sources=ingest_auth_sources())
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _check_heartbeats(settings: Settings) -> None:
    """Refuse bad `heartbeats` entries and a check interval that is not positive, naming the entry."""
    from incidents.heartbeats.schedule import parse_heartbeats

    if settings.heartbeat_check_interval_s <= 0:
        raise SettingsError(f"heartbeat_check_interval_s = {settings.heartbeat_check_interval_s} must be above 0")
    try:
        parse_heartbeats(settings.heartbeats)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _check_snmp(settings: Settings) -> None:
    """Refuse a bad `snmp_listen`, `snmp_v3_users` entry or trap mapping file now, naming the entry or the file."""
    from streams.alerts.receivers.snmp_config import receiver_config

    try:
        receiver_config(settings.snmp_listen, settings.snmp_communities, settings.snmp_v3_users)
        if settings.snmp_mapping_files:
            from streams.alerts.parsers.snmp import snmp_parser

            snmp_parser(settings.snmp_mapping_files)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def sla_policy(settings: Settings) -> SlaPolicy:
    """The SLA policy the `sla_*` settings describe (docs/sla.md).

    Raises:
        ValueError: naming the setting and the entry at fault.
    """
    from incidents.sla.targets import parse_policy

    return parse_policy(
        targets=settings.sla_targets,
        calendars=settings.sla_calendars,
        service_calendars=settings.sla_service_calendars,
        category_calendars=settings.sla_category_calendars,
        default_calendar=settings.sla_default_calendar,
        warning_fraction=settings.sla_warning_fraction,
    )


def _check_sla(settings: Settings) -> None:
    """Refuse bad `sla_*` entries and a check interval that is not positive, naming the setting and entry."""
    if settings.sla_check_interval_s <= 0:
        raise SettingsError(f"sla_check_interval_s = {settings.sla_check_interval_s} must be above 0")
    try:
        sla_policy(settings)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
