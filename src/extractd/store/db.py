"""The SQLAlchemy engine and session factory, built from Settings.

The same code runs on the embedded SQLite file and on PostgreSQL; only connection set-up differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from extractd.config import Settings
from extractd.domain.errors import TransientError

SQLITE_BUSY_TIMEOUT_MS = 30_000

SessionFactory = sessionmaker[Session]


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_db_engine(settings: Settings) -> Engine:
    """An engine for settings.effective_database_url with the per-backend connection settings."""
    url = settings.effective_database_url
    if is_sqlite(url):
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, pool_recycle=1800)


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        # Worker threads (heartbeat, reaper) share the engine; SQLite's own locking serialises writes.
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_pre_ping=True,
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    # pysqlite opens transactions lazily and in DEFERRED mode, so two writers can both read, then
    # both try to upgrade to a write lock and one fails at once with "database is locked" (busy_timeout
    # does not help a deadlocked upgrade). BEGIN IMMEDIATE takes the write lock up front instead.
    event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def translate_unavailable(engine: Engine) -> Engine:
    """Raise TransientError (503, retry) where the driver says the database is busy or unreachable.

    For the API's engine: its callers answer the client. Workers keep the driver's exceptions, which
    their retry logic tells apart.
    """
    event.listen(engine, "handle_error", _unavailable_as_transient)
    return engine


def _unavailable_as_transient(context: ExceptionContext) -> None:
    if isinstance(context.sqlalchemy_exception, OperationalError | InterfaceError):
        raise TransientError(
            "The database is busy or unreachable; retry shortly.", retry_after_s=1
        ) from context.original_exception


def make_session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(sessions: SessionFactory) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    with sessions() as session, session.begin():
        yield session


def ping(sessions: SessionFactory) -> None:
    """One round trip to the database (``SELECT 1``); raises the driver's error when it is away."""
    with sessions() as session:
        session.execute(text("SELECT 1"))
