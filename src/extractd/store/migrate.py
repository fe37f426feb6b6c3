"""Bring the database schema to the newest revision, programmatically, on start-up.

Several processes may start at once (``serve`` and ``worker``); migrations are serialised by a lock:
an advisory lock on PostgreSQL, the database write lock (BEGIN IMMEDIATE) on SQLite.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

from extractd.config import Settings
from extractd.store.db import create_db_engine

log = logging.getLogger(__name__)

ALEMBIC_DIR = Path(__file__).parent / "alembic"
# Any constant shared by every extractd process: "extractd" in ASCII.
MIGRATION_LOCK_ID = 0x6578747261637464


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade_engine(engine: Engine) -> None:
    with engine.connect() as connection:
        is_postgres = connection.dialect.name == "postgresql"
        if is_postgres:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
            connection.commit()
        try:
            command.upgrade(alembic_config(connection), "head")
            connection.commit()
        finally:
            if is_postgres:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
                connection.commit()


def upgrade_to_head(settings: Settings) -> None:
    """Create or upgrade the schema of settings.effective_database_url."""
    engine = create_db_engine(settings)
    try:
        upgrade_engine(engine)
        log.info("database schema is up to date")
    finally:
        engine.dispose()
