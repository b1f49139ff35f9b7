"""I/O: schema migrations run in code (`alertdesk db upgrade`): alembic with no alembic.ini.

The config is built from the URL argument alone, so nothing is read from the environment and
the migration scripts ship inside the package (`alertdesk/migrations/`).
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from incidents.db import create_db_engine, sqlalchemy_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest schema; a database already there is left unchanged.

    Raises:
        sqlalchemy.exc.OperationalError: if the database cannot be reached.
    """
    command.upgrade(_config(url), "head")


def current(url: str) -> str | None:
    """Return the database's schema revision, or None if it was never migrated."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def _config(url: str) -> Config:
    """An alembic config pointing at the packaged scripts and `url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolates '%': URL-encoded passwords and options need it doubled.
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return config
