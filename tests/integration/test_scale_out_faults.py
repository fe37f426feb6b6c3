"""Faults on a real scale-out deployment (PostgreSQL + Redis + S3): an API node and three workers run 200
jobs while one worker is SIGKILLed, another restarted, and Redis restarted (its queue lost) mid-run.
Every job ends completed; no attempt runs on two workers; every result is written once."""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from processes import ManagedProcess, free_port, start_serve, start_worker, wait_until
from s3_server import S3Server
from sqlalchemy import create_engine, func, select

from extractd.store.models import Job, JobResult, JobRunStats

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3]

JOBS = 200
# Leases long enough that a worker starved of CPU on a busy machine keeps the one it holds.
WORKER_ENV: dict[str, Any] = {"lease_s": 6, "reaper_interval_s": 0.5, "max_attempts": 5}
STARTED = re.compile(r"job (\S+): attempt (\d+) started by (\S+)")


class OwnRedis:
    """A redis-server of this test's own on a free port (the machine's shared one is never restarted)."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.log_dir = log_dir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: the Redis restart cannot be tested")
        with (self.log_dir / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        client = redis.Redis.from_url(self.url)
        wait_until(lambda: _pings(client), 30, "our redis-server")
        client.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()  # its queue (not persisted) is lost, as when a Redis machine dies
            self.process.wait(10)


def _pings(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_jobs_survive_a_killed_worker_a_restarted_worker_and_a_restarted_redis(
    tmp_path: Path,
    postgres_database: str,
    own_redis: OwnRedis,
    s3_endpoint: S3Server,
    s3_bucket: str,
    invoice_pdf: bytes,
) -> None:
    env = WORKER_ENV | {
        "database_url": postgres_database,
        "redis_url": own_redis.url,
        "storage_url": f"s3://{s3_bucket}/faults",
        "s3_endpoint_url": s3_endpoint.endpoint_url,
    }
    logs = tmp_path / "logs"
    database = create_engine(postgres_database)

    def completed() -> int:
        with database.connect() as connection:
            return int(connection.scalar(select(func.count()).where(Job.status == "completed")) or 0)

    api = start_serve(tmp_path / "api", logs, workers=0, name="api", env=env)
    workers: list[ManagedProcess] = [
        start_worker(tmp_path / f"machine-{n}", logs, name=f"worker-{n}", env=env) for n in range(3)
    ]
    try:
        with httpx.Client(
            base_url=str(api.base_url),
            headers={"Authorization": f"api-key {api.extra['api_key']}"},
            timeout=30,
        ) as client:
            for _ in range(JOBS):
                created = client.post(
                    "/api/v1/extraction-jobs",
                    files={"file": ("invoice.pdf", invoice_pdf)},
                    data={"templateName": "invoice"},
                )
                assert created.status_code == 202, created.text
        wait_until(lambda: completed() >= 30, 180, "30 jobs done")
        workers[0].kill()  # the machine died, mid-job or between jobs
        wait_until(lambda: completed() >= 70, 180, "70 jobs done")
        workers[1].stop()
        workers.append(start_worker(tmp_path / "machine-1b", logs, name="worker-1b", env=env))
        wait_until(lambda: completed() >= 110, 180, "110 jobs done")
        own_redis.stop()
        time.sleep(1)
        own_redis.start()  # an empty queue: the messages of the waiting jobs are gone
        wait_until(lambda: completed() == JOBS, 300, f"all {JOBS} jobs done")
    finally:
        for worker in workers:
            worker.stop()
        api.stop()
    with database.connect() as connection:
        jobs = connection.execute(select(Job.id, Job.status, Job.attempt)).all()
        results = dict(connection.execute(select(JobResult.job_id, JobResult.attempt)).all())
        stored_runs = collections.Counter(connection.scalars(select(JobRunStats.job_id)))
    database.dispose()
    assert len(jobs) == JOBS and {job.status for job in jobs} == {"completed"}
    # Each job's result was stored once, by the attempt the job finished with.
    assert all(results[job.id] == job.attempt and stored_runs[job.id] == 1 for job in jobs)
    # No attempt started on two workers, and no worker ran on after losing its lease.
    text = "\n".join(worker.logs() for worker in workers)
    starts = collections.Counter((job_id, int(attempt)) for job_id, attempt, _ in STARTED.findall(text))
    assert starts and max(starts.values()) == 1, [key for key, n in starts.items() if n > 1]
    assert "lost its lease" not in text
    # The faults hit working machines: the killed and the restarted worker had both run jobs.
    assert STARTED.search(workers[0].logs()) and STARTED.search(workers[1].logs())
