"""The shared poll counters behind the rate limit, on every backend they support.

`postgres` needs EXTRACTD_TEST_POSTGRES_URL and `redis` EXTRACTD_TEST_REDIS_URL; unset → skipped with a
reason, configured but unreachable → the test fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from extractd.config import Settings
from extractd.domain.errors import RateLimited
from extractd.services.rate_limit import (
    DatabasePollCounter,
    PollCounter,
    PollWindow,
    RedisPollCounter,
    check_poll_rate,
)
from extractd.store.db import create_db_engine, make_session_factory
from extractd.store.migrate import upgrade_to_head


def _database_counter(tmp_path: Path, database_url: str | None) -> Iterator[PollCounter]:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    settings.data_dir.mkdir(parents=True)
    upgrade_to_head(settings)
    engine = create_db_engine(settings)
    yield DatabasePollCounter(make_session_factory(engine))
    engine.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
def counter(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PollCounter]:
    if request.param == "sqlite":
        yield from _database_counter(tmp_path, None)
    elif request.param == "postgres":
        yield from _database_counter(tmp_path, request.getfixturevalue("postgres_database"))
    else:
        redis_url = os.environ.get("EXTRACTD_TEST_REDIS_URL")
        if not redis_url:
            pytest.skip("EXTRACTD_TEST_REDIS_URL is not set: Redis cases not run")
        import redis

        client = redis.Redis.from_url(redis_url)
        client.ping()  # a configured but unreachable server fails here
        yield RedisPollCounter(client)
        client.close()


def test_counts_per_bucket(counter: PollCounter) -> None:
    bucket = f"test:{uuid.uuid4()}"
    assert [counter.hit(bucket, 5) for _ in range(3)] == [1, 2, 3]
    assert counter.hit(f"{bucket}-other", 5) == 1


def test_check_poll_rate_limits_one_job(counter: PollCounter, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "unused", poll_rate=3)
    job_id = str(uuid.uuid4())
    outcomes = []
    for _ in range(8):
        try:
            check_poll_rate(counter, settings, job_id)
            outcomes.append("ok")
        except RateLimited as limited:
            assert 0 < limited.retry_after_s <= 1
            outcomes.append("limited")
    # Eight polls within at most two one-second windows: at most 3 pass in each.
    assert 3 <= outcomes.count("ok") <= 6
    assert "limited" in outcomes


def test_windows_for_slow_rates() -> None:
    assert PollWindow.for_rate(5) == PollWindow(window_s=1.0, limit=5)
    assert PollWindow.for_rate(0.5) == PollWindow(window_s=2.0, limit=1)
    assert PollWindow.for_rate(2.5) == PollWindow(window_s=1.0, limit=2)
