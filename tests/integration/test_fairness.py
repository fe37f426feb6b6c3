"""EXTRACTD_ENV_CONCURRENCY with real worker processes: a flood from one environment cannot starve another.

Jobs are created through the service (as the API does) against a real SQLite file and Huey queue; two
real job processes run them. The reaper is set to sweep only every two minutes, so every admission seen
here is the one made when a run ends, not the reaper's.
"""

from __future__ import annotations

import threading
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from tests.integration.processes import prepare_database, settings_for, start_worker, wait_until
from tests.integration.worker_documents import INVOICE_TEMPLATE, scanned_pdf

from extractd.api.app import build_context
from extractd.domain.jobs import JobStatus
from extractd.services.jobs import JobRequest, Upload, create_job
from extractd.services.templates import create_template
from extractd.store.db import transaction
from extractd.store.models import Environment, Job

pytestmark = pytest.mark.slow

FLOOD = 5
WORKER_ENV: dict[str, Any] = {"env_concurrency": 1, "lease_s": 6, "reaper_interval_s": 120}


def _environment(ctx: Any, name: str) -> str:
    with transaction(ctx.sessions) as session:
        environment = Environment(name=name)
        session.add(environment)
        session.flush()
        create_template(session, environment.id, INVOICE_TEMPLATE)
        return environment.id


def _jobs(ctx: Any, ids: list[str]) -> list[Job]:
    with ctx.sessions() as session:
        jobs = {job.id: job for job in session.query(Job).filter(Job.id.in_(ids))}
        for job in jobs.values():
            session.expunge(job)
    return [jobs[job_id] for job_id in ids]


def _seconds(later: datetime | None, earlier: datetime | None) -> float:
    assert later is not None and earlier is not None
    return (later - earlier).total_seconds()


def test_a_flood_from_one_environment_does_not_starve_another(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", **WORKER_ENV)
    prepare_database(settings)
    ctx = build_context(settings)
    flood_env, other_env = _environment(ctx, "flood"), _environment(ctx, "other")
    document = Upload(scanned_pdf(1, lines_per_page=10), "scan.pdf")
    request = JobRequest(template_name=str(INVOICE_TEMPLATE["name"]))
    worker = start_worker(settings.data_dir, tmp_path / "logs", concurrency=2, env=WORKER_ENV)
    # Watch the database while the jobs run: how many of the flood's jobs are processing at once.
    most_processing = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal most_processing
        while not stop.is_set():
            with ctx.sessions() as session:
                processing = (
                    session.query(Job)
                    .filter(Job.environment_id == flood_env, Job.status == JobStatus.PROCESSING)
                    .count()
                )
            most_processing = max(most_processing, processing)
            stop.wait(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        flood = [create_job(ctx, flood_env, request, document).id for _ in range(FLOOD)]
        held_back = [job.status for job in _jobs(ctx, flood)]
        other = create_job(ctx, other_env, request, document).id
        other_status = _jobs(ctx, [other])[0].status
        wait_until(
            lambda: all(job.status == JobStatus.COMPLETED for job in _jobs(ctx, [*flood, other])),
            240,
            "every job to complete",
            interval=0.2,
        )
    finally:
        stop.set()
        watcher.join(5)
        worker.stop()
    # Only the first of the flood had a slot; the rest waited as pending. The other environment's job
    # was not held back.
    assert held_back.count(JobStatus.PENDING) == FLOOD - 1, held_back
    assert other_status in (JobStatus.QUEUED, JobStatus.PROCESSING), other_status
    assert most_processing == 1
    flood_jobs, (other_job,) = _jobs(ctx, flood), _jobs(ctx, [other])
    # Never two of the flood running at once, from the rows' own start and end times too.
    runs = sorted((job.started_at, job.completed_at) for job in flood_jobs)
    for (_, ended), (started, _) in pairwise(runs):
        assert ended is not None and started is not None and started >= ended
    # A freed slot went to the next pending job at once (the reaper would take two minutes).
    gaps = [_seconds(started, ended) for (_, ended), (started, _) in pairwise(runs)]
    assert max(gaps) < 3.0, gaps
    # The other environment's job started at once and finished within about one job's time of its
    # creation, ahead of most of the flood. (A job process's first run also loads the OCR models, so the
    # longest run of the flood is the fair measure of "one job's time" for the other job's first run.)
    waited = _seconds(other_job.started_at, other_job.created_at)
    assert waited < 2.0, waited
    job_time = max(_seconds(job.completed_at, job.started_at) for job in flood_jobs)
    turnaround = _seconds(other_job.completed_at, other_job.created_at)
    assert turnaround < 1.25 * job_time + 2.0, (turnaround, job_time)
    finished_before = sum(1 for job in flood_jobs if _seconds(other_job.completed_at, job.completed_at) > 0)
    assert finished_before <= 2, finished_before
