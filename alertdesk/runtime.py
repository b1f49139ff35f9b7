"""I/O: the runtime file `up` writes under the data folder, so CLI commands find the running pipeline.

The embedded broker listens on a free port chosen at start; `alertdesk send` reads it here.
The file is removed on a clean stop; a stale one (its pid gone) is ignored.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

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
