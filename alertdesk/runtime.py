"""I/O: the runtime file `up` writes under the data folder, so CLI commands and joining workers find the running pipeline.

The embedded broker listens on a free port chosen at start; `alertdesk send` reads it here, and an
`alertdesk worker` with no `kafka_bootstrap_servers` joins that broker (docs/workers.md).
The file is removed on a clean stop; a stale one (its pid gone) is ignored. The first live process
of a data folder owns the file: a worker that joins it never overwrites or removes it.
"""
from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from alertdesk.settings import Settings, SettingsError

RUNTIME_FILE = "runtime.json"


@dataclass(frozen=True)
class Runtime:
    """Where the running pipeline can be reached."""

    pid: int
    bootstrap_servers: tuple[str, ...]
    api_url: str
    database_url: str
    topic_prefix: str


def write_runtime(data_dir: Path, runtime: Runtime) -> Path:
    """Write the runtime file atomically and return its path."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / RUNTIME_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(runtime), indent=2), "utf-8")
    tmp.replace(path)
    return path


def claim_runtime(data_dir: Path, runtime: Runtime) -> Path | None:
    """Write the runtime file and return its path, unless another live process of this data folder holds it (None).

    Two processes starting in the same instant may both write; the later one wins and the file
    still names a live pipeline, which is all its readers need.
    """
    held = read_runtime(data_dir)
    if held is not None and held.pid != runtime.pid:
        return None
    return write_runtime(data_dir, runtime)


def join_running(settings: Settings) -> Settings:
    """The settings of a `worker` with no `kafka_bootstrap_servers`: the broker of the `up` running in its data folder.

    Joining shares the broker, topics and consumer group, so both processes must also share one
    database, and it must be PostgreSQL (timers are claimed with FOR UPDATE SKIP LOCKED; SQLite
    has one writer).

    Raises:
        SettingsError: no live `up` in `data_dir`, SQLite, or a database or topic prefix other than the `up`'s.
    """
    runtime = read_runtime(settings.data_dir)
    if runtime is None:
        raise SettingsError(
            f"no kafka_bootstrap_servers and no running `alertdesk up` in {settings.data_dir} ({RUNTIME_FILE}) to join;"
            " set kafka_bootstrap_servers, or start `alertdesk up` with the same data_dir first"
        )
    if make_url(settings.database_url).get_backend_name() == "sqlite":
        raise SettingsError(
            f"database_url = {settings.database_url!r}: several workers share one database and it must be PostgreSQL"
        )
    if runtime.database_url != settings.database_url:
        raise SettingsError(
            f"database_url = {settings.database_url!r} differs from the running pipeline's {runtime.database_url!r}"
            f" (pid {runtime.pid}); every worker must use the same database"
        )
    if runtime.topic_prefix != settings.topic_prefix:
        raise SettingsError(
            f"topic_prefix = {settings.topic_prefix!r} differs from the running pipeline's {runtime.topic_prefix!r}"
        )
    return dataclasses.replace(settings, kafka_bootstrap_servers=runtime.bootstrap_servers)


def read_runtime(data_dir: Path) -> Runtime | None:
    """Return the running pipeline's runtime, or None if none is running."""
    path = data_dir / RUNTIME_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    runtime = Runtime(**{**data, "bootstrap_servers": tuple(data["bootstrap_servers"])})
    return runtime if _alive(runtime.pid) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
