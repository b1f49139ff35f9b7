"""I/O: load the configured `topology_files` into the database when a worker starts.

Every worker runs this; the content checksum makes all but the first a no-op, and a file
that does not validate stops the start with every error listed, rather than letting the
pipeline correlate against a topology nobody meant.
"""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

from incidents.db import create_db_engine, session_factory
from incidents.topology.store import SavedTopology, save_topology
from streams.correlation.topology_files import load_topology_files


def load_configured_topology(files: Sequence[str], *, database_url: str, now: datetime) -> SavedTopology | None:
    """Validate `files` and save them as the current topology; None when no files are configured.

    Raises:
        TopologyError: if the files do not validate (nothing is saved).
    """
    if not files:
        return None
    topology = load_topology_files(files)
    engine = create_db_engine(database_url)
    try:
        with session_factory(engine).begin() as session:
            return save_topology(session, topology, source="startup", now=now, files=files)
    finally:
        engine.dispose()
