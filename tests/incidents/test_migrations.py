"""The packaged alembic migrations: upgrade from empty, upgrade again as a no-op, schema equal to the models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import incidents.models  # noqa: F401  (registers the incidents tables)
import notify.models  # noqa: F401  (registers the outbox)
from alertdesk.db_migrate import current, upgrade
from incidents.db import Base, create_db_engine


def test_upgrade_from_empty_then_again_is_a_no_op(db_url):
    assert current(db_url) is None
    upgrade(db_url)
    assert current(db_url) == "0001"
    engine = create_db_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    upgrade(db_url)
    assert current(db_url) == "0001"
    assert tables == {"alembic_version", "incidents", "incident_alerts", "timeline_events", "outbox"}


def test_migrated_schema_matches_the_models(migrated_db):
    engine, _ = migrated_db
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_partial_unique_index_is_migrated(migrated_db):
    engine, _ = migrated_db
    [index] = [i for i in inspect(engine).get_indexes("incidents") if i["name"] == "uq_incidents_open_group"]
    assert index["unique"] and index["column_names"] == ["group_key"]
