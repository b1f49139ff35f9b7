"""I/O: runs a worker — `up` on the embedded default (own broker) or `worker` against a configured cluster.

Start order: broker (embedded only) → topics → database migrations → faust worker with the
HTTP app. Stop (Ctrl-C, SIGTERM, crash): the faust worker drains, then the broker child is
stopped; if this process is killed outright, the kernel kills the broker child (see
docs/embedded-broker.md), so no broker is ever left behind.
"""
from __future__ import annotations

import os
import sys
import threading
from contextlib import ExitStack

import faust

from access.bootstrap import FIRST_ADMIN, Bootstrap, bootstrap_access, cli_token_path
from alertdesk.db_migrate import upgrade
from alertdesk.paging_directory import DEMO_PHONE, uses_twilio_fake
from alertdesk.runtime import Runtime, claim_runtime
from alertdesk.settings import Settings
from alertdesk.wiring import build_pipeline
from incidents.db import session_factory
from incidents.topology.startup import load_configured_topology
from streams.broker import EmbeddedBroker
from streams.clock import SystemClock
from streams.correlation.topology_files import TopologyError
from streams.heap import register_full_collections, tune_collector
from streams.kafka_admin import TopicSpec, ensure_topics
from streams.topics import topic_names

TOPIC_READY_TIMEOUT_S = 60.0
STOP_DEADLINE_S = 15.0
EXIT_STOP_OVERRAN = 3


def _stop_now(deadline_s: float) -> None:
    """End the process at once: the graceful stop overran its deadline (usually: broker unreachable)."""
    print(f"alertdesk: graceful stop took longer than {deadline_s:g}s (is the broker reachable?); exiting now", file=sys.stderr, flush=True)
    os._exit(EXIT_STOP_OVERRAN)


class Worker(faust.Worker):
    """faust's worker, saying when the pipeline is ready and never taking longer than a deadline to stop.

    faust's graceful stop commits offsets and leaves the consumer group; with the broker gone
    that waits on request timeouts for minutes. An operator pressing Ctrl-C wants the process
    gone, so a watchdog ends it `stop_deadline_s` after the stop began. Nothing is lost by
    that: uncommitted offsets are re-read and re-applied idempotently on the next start, and
    the kernel stops the embedded broker with its parent (docs/embedded-broker.md).

    Once started, it also takes its full garbage collections into its own hands: both halves,
    the timer that runs them and the switch that turns the automatic ones off, are here
    (streams/heap.py).
    """

    def __init__(self, *args, ready_message: str, stop_deadline_s: float = STOP_DEADLINE_S, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        register_full_collections(self.app)
        self._ready_message = ready_message
        self._stop_deadline_s = stop_deadline_s
        self.spinner = None  # our banner and ready line replace it; its escape codes garble logs

    async def on_stop(self) -> None:
        """Arm the stop watchdog, then let faust stop gracefully."""
        watchdog = threading.Timer(self._stop_deadline_s, _stop_now, args=(self._stop_deadline_s,))
        watchdog.daemon = True
        watchdog.start()
        await super().on_stop()

    async def on_startup_finished(self) -> None:
        """Print the ready line once faust has recovered its tables and serves HTTP."""
        await super().on_startup_finished()
        tune_collector("worker")
        print(self._ready_message, flush=True)


def banner(settings: Settings, bootstrap: tuple[str, ...], embedded: bool) -> str:
    """The start-up text saying where everything is."""
    api = f"http://{settings.http_host}:{settings.http_port}"
    broker = f"embedded tansu at {bootstrap[0]} (memory only)" if embedded else ", ".join(bootstrap)
    return "\n".join(
        [
            "alertdesk is starting",
            f"  API        {api}/api/incidents   (OpenAPI: {api}/api/docs)",
            f"  ingest     POST {api}/api/v2/alerts   POST {api}/ingest/generic",
            f"  metrics    {api}/metrics   health: {api}/healthz",
            f"  database   {settings.database_url}",
            f"  broker     {broker}, topics prefixed {settings.topic_prefix!r}",
            f"  paging     {paging_line(settings)}",
            "  stop with Ctrl-C",
        ]
    )


def access_banner(settings: Settings, first_start: Bootstrap) -> str:
    """Sign-in lines of the banner: the first admin's password, shown this once and never again (docs/security.md)."""
    lines = [f"  CLI token  {cli_token_path(settings.data_dir)} (admin API token the alertdesk commands send)"]
    if first_start.admin_password is not None:
        lines.insert(0, f"  admin password: {first_start.admin_password}   (user {FIRST_ADMIN!r}; shown once, change it"
                        f" with `alertdesk users passwd {FIRST_ADMIN}`)")
    if not settings.auth_enabled:
        lines.append("  access     DISABLED (auth_enabled = false): everyone is an admin; closed labs only")
    return "\n".join(lines)


def paging_line(settings: Settings) -> str:
    """Who gets paged how: the paging files, or the default's console (and demo phone through the Twilio fake)."""
    if settings.paging_files:
        twilio = "Twilio" if settings.twilio_account_sid else "no Twilio account: SMS and calls are not sent"
        return f"{', '.join(settings.paging_files)} ({twilio})"
    demo = f"; SMS and calls to {DEMO_PHONE} via the bundled Twilio fake" if uses_twilio_fake(settings) else ""
    return f"default directory: 'on-call' on the console{demo}"


def run_pipeline(settings: Settings) -> None:
    """Run one worker until it is stopped; start and stop the embedded broker when none is configured."""
    with ExitStack() as stack:
        if settings.embedded_broker:
            broker = stack.enter_context(EmbeddedBroker(log_path=settings.data_dir / "tansu.log"))
            bootstrap: tuple[str, ...] = (broker.bootstrap_servers,)
        else:
            bootstrap = settings.kafka_bootstrap_servers
        specs = [
            TopicSpec(name=name, partitions=settings.partitions, replication=settings.replication_factor)
            for name in topic_names(settings.topic_prefix).all()
        ]
        ensure_topics(",".join(bootstrap), specs, timeout=TOPIC_READY_TIMEOUT_S)
        upgrade(settings.database_url)
        try:
            load_configured_topology(settings.topology_files, database_url=settings.database_url, now=SystemClock().now())
        except TopologyError as exc:
            raise SystemExit(f"topology_files do not validate: {exc}") from None
        pipeline = build_pipeline(settings, bootstrap)
        runtime = Runtime(
            pid=os.getpid(),
            bootstrap_servers=bootstrap,
            api_url=f"http://{settings.http_host}:{settings.http_port}",
            database_url=settings.database_url,
            topic_prefix=settings.topic_prefix,
        )
        runtime_file = claim_runtime(settings.data_dir, runtime)  # None: a worker joining the `up` of this data folder
        if runtime_file is not None:
            stack.callback(runtime_file.unlink, missing_ok=True)
        stack.callback(pipeline.engine.dispose)
        stack.callback(pipeline.writer.close)
        first_start = bootstrap_access(
            session_factory(pipeline.engine), now=SystemClock().now(), data_dir=settings.data_dir
        )
        print(banner(settings, bootstrap, settings.embedded_broker), flush=True)
        print(access_banner(settings, first_start), flush=True)

        worker = Worker(
            pipeline.app,
            ready_message=f"alertdesk is ready: {runtime.api_url}",
            loglevel=settings.log_level.upper(),
            quiet=True,
            redirect_stdouts=False,
        )
        try:
            worker.execute_from_commandline()
        except SystemExit:
            pass
