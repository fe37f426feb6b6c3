"""Migration 0008 on a database with data: duplicate documents folded into one, jobs keep their names
and get their schema ids. On SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import IntegrityError

from extractd.services.templates import builtin_template_id
from extractd.store.migrate import alembic_config

BEFORE = "0007_worker_limits_secrets"
ROWS = {
    "environments": [{"id": "env-a", "name": "a"}, {"id": "env-b", "name": "b"}],
    "templates": [{"id": "tpl-po", "environment_id": "env-a", "name": "po", "version": 2}],
    "documents": [
        # Two copies of the same bytes in env-a (the newer is kept), the same bytes in env-b, other bytes.
        {"id": "doc-old", "environment_id": "env-a", "sha": "s1", "filename": "old.pdf", "at": "2026-01-01"},
        {"id": "doc-new", "environment_id": "env-a", "sha": "s1", "filename": "new.pdf", "at": "2026-02-01"},
        {"id": "doc-b", "environment_id": "env-b", "sha": "s1", "filename": "b.pdf", "at": "2026-01-15"},
        {"id": "doc-other", "environment_id": "env-a", "sha": "s2", "filename": "o.pdf", "at": "2026-01-10"},
    ],
    "jobs": [
        {"id": "job-old", "environment_id": "env-a", "document_id": "doc-old", "template_name": "po"},
        {"id": "job-new", "environment_id": "env-a", "document_id": "doc-new", "template_name": "invoice"},
        {"id": "job-b", "environment_id": "env-b", "document_id": "doc-b", "template_name": "po"},
        {"id": "job-other", "environment_id": "env-a", "document_id": "doc-other", "template_name": None},
    ],
}


def _seed(connection: Connection) -> None:
    for environment in ROWS["environments"]:
        connection.execute(
            text("INSERT INTO environments (id, name, created_at) VALUES (:id, :name, '2026-01-01')"),
            environment,
        )
    connection.execute(
        text(
            "INSERT INTO templates (id, environment_id, name, version, definition, created_at, updated_at) "
            "VALUES (:id, :environment_id, :name, :version, '{}', '2026-01-01', '2026-01-01')"
        ),
        ROWS["templates"][0],
    )
    for document in ROWS["documents"]:
        connection.execute(
            text(
                "INSERT INTO documents (id, environment_id, blob_key, filename, content_type, size, sha256, "
                "created_at) VALUES (:id, :environment_id, :id, :filename, 'application/pdf', 1, :sha, :at)"
            ),
            document,
        )
    for job in ROWS["jobs"]:
        connection.execute(
            text(
                "INSERT INTO jobs (id, environment_id, document_id, status, dialect, template_name, options, "
                "delivery_mode, attempt, progress, lease_losses, created_at, updated_at) VALUES (:id, "
                ":environment_id, :document_id, 'completed', 'v1', :template_name, '{}', 'poll', 1, 100, 0, "
                "'2026-01-01', '2026-01-01')"
            ),
            job,
        )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'extractd.db'}"
    else:
        yield request.getfixturevalue("postgres_database")


def _rows(connection: Connection, query: str) -> dict[str, Any]:
    return {row[0]: tuple(row[1:]) for row in connection.execute(text(query))}


def test_0008_folds_duplicate_documents_and_fills_the_new_job_columns(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), BEFORE)
            _seed(connection)
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        with engine.begin() as connection:
            documents = _rows(connection, "SELECT id, environment_id FROM documents")
            jobs = _rows(connection, "SELECT id, document_id, filename, template_id FROM jobs")
    finally:
        engine.dispose()
    assert documents == {"doc-new": ("env-a",), "doc-b": ("env-b",), "doc-other": ("env-a",)}
    assert jobs == {
        "job-old": ("doc-new", "old.pdf", "tpl-po"),  # its own name survives the fold
        "job-new": ("doc-new", "new.pdf", builtin_template_id("invoice")),
        "job-b": ("doc-b", "b.pdf", None),  # env-b has no template "po"
        "job-other": ("doc-other", "o.pdf", None),
    }


def test_0008_makes_content_unique_per_environment(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
            _seed_environment_and_document(connection, "d1")
        with pytest.raises(IntegrityError), engine.begin() as connection:
            _seed_environment_and_document(connection, "d2", with_environment=False)
    finally:
        engine.dispose()


def _seed_environment_and_document(
    connection: Connection, document_id: str, with_environment: bool = True
) -> None:
    if with_environment:
        connection.execute(
            text("INSERT INTO environments (id, name, created_at) VALUES ('e', 'e', '2026-01-01')")
        )
    connection.execute(
        text(
            "INSERT INTO documents (id, environment_id, blob_key, filename, content_type, size, sha256, "
            "created_at) VALUES (:id, 'e', 'k', 'f', 'application/pdf', 1, 'same', '2026-01-01')"
        ),
        {"id": document_id},
    )
