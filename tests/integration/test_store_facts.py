"""What `extractd serve` / `extractd worker` leave in the SQLite store, read from the file itself."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.processes import (
    ManagedProcess,
    seed_job,
    settings_for,
    start_serve,
    start_worker,
    wait_for_status,
)
from tests.integration.worker_documents import INVOICE_TEMPLATE

from extractd.domain.jobs import JobStatus
from extractd.queue.huey_app import make_huey
from extractd.queue.tasks import JobQueue
from extractd.services.keys import hash_key

pytestmark = pytest.mark.slow


def _database(data_dir: Path) -> Path:
    return data_dir / "extractd.db"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ManagedProcess]:
    """`extractd serve` (no workers) on an empty data dir: it migrates and prints the bootstrap key."""
    process = start_serve(tmp_path / "data", tmp_path / "logs", workers=0)
    yield process
    process.stop()


def test_serve_creates_the_database_in_wal_mode(served: ManagedProcess, tmp_path: Path) -> None:
    with sqlite3.connect(_database(tmp_path / "data")) as connection:
        # WAL is a property of the file: a fresh connection without our pragmas still sees it.
        (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    assert mode == "wal"


def test_api_keys_rows_hold_no_plaintext_key(served: ManagedProcess, tmp_path: Path) -> None:
    key = served.extra["api_key"]
    assert key and key.startswith("exd_"), served.logs()[-2000:]
    with sqlite3.connect(_database(tmp_path / "data")) as connection:
        rows = connection.execute("SELECT * FROM api_keys").fetchall()
        (stored_hash,) = connection.execute("SELECT key_hash FROM api_keys").fetchone()
    assert len(rows) == 1
    cells = [str(cell) for row in rows for cell in row if cell is not None]
    assert not [cell for cell in cells if key in cell]
    # Only a short prefix is kept for `keys list`; the secret rest of the key is nowhere in the table.
    secret_tail = key[16:]
    assert len(secret_tail) >= 16
    assert not [cell for cell in cells if secret_tail in cell]
    assert stored_hash == hash_key(key)
    served.stop()
    # Nor anywhere in the database files (the main file and any write-ahead log left behind).
    for path in tmp_path.joinpath("data").glob("extractd.db*"):
        assert key.encode() not in path.read_bytes(), path


def test_bootstrap_key_belongs_to_the_default_environment(served: ManagedProcess, tmp_path: Path) -> None:
    with sqlite3.connect(_database(tmp_path / "data")) as connection:
        owners = connection.execute(
            "SELECT environments.name FROM api_keys"
            " JOIN environments ON environments.id = api_keys.environment_id"
        ).fetchall()
    assert owners == [("default",)]


def test_worker_on_an_empty_data_dir_migrates_and_runs_jobs(tmp_path: Path, invoice_pdf: bytes) -> None:
    data_dir = tmp_path / "data"
    assert not data_dir.exists()
    worker = start_worker(data_dir, tmp_path / "logs")
    try:
        with sqlite3.connect(_database(data_dir)) as connection:
            tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
            versions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        assert {"environments", "api_keys", "jobs", "job_results", "alembic_version"} <= tables
        assert len(versions) == 1
        settings = settings_for(data_dir)
        job_id = seed_job(settings, invoice_pdf, INVOICE_TEMPLATE, filename="invoice.pdf")
        JobQueue(make_huey(settings), settings).dispatch(job_id)
        job = wait_for_status(settings, job_id, {JobStatus.COMPLETED, JobStatus.FAILED}, timeout=120)
        assert job.status == JobStatus.COMPLETED, (job.error_code, worker.logs()[-3000:])
    finally:
        worker.stop()
