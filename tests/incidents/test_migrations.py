"""The packaged alembic migrations: upgrade from empty, upgrade again as a no-op, schema equal to the models."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

import incidents.models  # noqa: F401  (registers the incidents tables)
import notify.models  # noqa: F401  (registers the outbox)
from alertdesk.db_migrate import current, upgrade
from incidents.db import Base, create_db_engine
from incidents.models import Incident
from tests.incidents.builders import NOW

HEAD = "0014"


def test_upgrade_from_empty_then_again_is_a_no_op(db_url):
    assert current(db_url) is None
    upgrade(db_url)
    assert current(db_url) == HEAD
    engine = create_db_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    upgrade(db_url)
    assert current(db_url) == HEAD
    assert {"alembic_version", "incidents", "incident_alerts", "timeline_events", "outbox", "heartbeats",
            "topology_components", "silences", "correlation_holds", "suppressed_alerts", "escalations"} <= tables


def test_migrated_schema_matches_the_models(migrated_db):
    engine, _ = migrated_db
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def _incident(key: str, status: str) -> Incident:
    """An incident of group g1."""
    return Incident(
        incident_key=key, group_key="g1", title="t", severity="major", status=status, opened_at=NOW, updated_at=NOW
    )


def test_migrated_index_allows_one_open_incident_per_group(migrated_db):
    # compare_metadata does not compare the index's WHERE clause, so check what it does.
    _, factory = migrated_db
    with factory() as session:
        session.add_all([
            _incident("old", "resolved"), _incident("older", "resolved"), _incident("closed", "closed"),
            _incident("open", "triggered"),
        ])
        session.commit()
        session.add(_incident("second-open", "acknowledged"))
        with pytest.raises(IntegrityError):
            session.flush()
