"""In CI a missing PostgreSQL/Redis test server fails the session at start instead of skipping cases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each case starts a pytest process

REPO = Path(__file__).resolve().parents[2]
COLLECTED = REPO / "tests" / "unit" / "test_idempotency.py"


def collect_only(**environment: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CI", "EXTRACTD_TEST_POSTGRES_URL", "EXTRACTD_TEST_REDIS_URL")
        and not key.startswith("PYTEST_")
    }
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", str(COLLECTED)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ci_without_the_redis_server_fails_at_start_naming_the_variable() -> None:
    run = collect_only(
        CI="true", EXTRACTD_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1/postgres"
    )
    assert run.returncode == 4, run.stdout + run.stderr  # pytest's "usage error" exit code
    assert "EXTRACTD_TEST_REDIS_URL" in run.stderr
    assert "EXTRACTD_TEST_POSTGRES_URL is" not in run.stderr


def test_ci_with_both_servers_configured_runs() -> None:
    run = collect_only(
        CI="true",
        EXTRACTD_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1/postgres",
        EXTRACTD_TEST_REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert run.returncode == 0, run.stdout + run.stderr
