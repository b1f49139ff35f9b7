"""I/O: alembic's environment: migrates the database named by the config's `sqlalchemy.url`.

Run through `alertdesk.db_migrate`, which builds the config in code; nothing here reads the
environment or an alembic.ini. Importing the model modules completes the metadata that
autogenerate and `compare_metadata` check the migrations against.
"""
from __future__ import annotations

from alembic import context

import access.models  # noqa: F401  (registers users, web_sessions, api_tokens, audit_log, install_secrets)
import alertdesk.member_models  # noqa: F401  (registers worker_members)
import incidents.handover.models  # noqa: F401  (registers handovers)
import incidents.heartbeats.models  # noqa: F401  (registers heartbeats)
import incidents.models  # noqa: F401  (registers incidents, incident_alerts, timeline_events)
import incidents.silences.models  # noqa: F401  (registers silences, maintenance_windows, safety_exceptions)
import incidents.topology.models  # noqa: F401  (registers topology_components, _dependencies, _revisions)
import notify.models  # noqa: F401  (registers outbox)
import runbooks.models  # noqa: F401  (registers runbook_executions, runbook_step_runs)
from incidents.db import Base, create_db_engine

target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run the pending migrations in one transaction on a fresh engine."""
    engine = create_db_engine(context.config.get_main_option("sqlalchemy.url"))
    try:
        with engine.begin() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run_migrations_online()
