"""Batch runs of the jobs dialect (DESIGN.md §4 "Batch runs"): a run's status and counts from its jobs.

Pure. A run is ``QUEUED`` until one of its jobs starts, ``PROCESSING`` until every job is final, then
``COMPLETED`` (whatever each job's outcome: ``failedJobs`` says how many failed or were cancelled). A job
restarted after that makes the run ``PROCESSING`` again. A job awaiting review is not final yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from extractd.domain.job_view import iso_ms
from extractd.domain.jobs import JobStatus

JOB_RUN_CREATED = "job_run.created"
JOB_RUN_PROGRESS = "job_run.progress"
JOB_RUN_COMPLETED = "job_run.completed"

_WAITING = frozenset({JobStatus.PENDING, JobStatus.QUEUED})
_FAILED = frozenset({JobStatus.FAILED, JobStatus.CANCELLED})


class RunStatus(StrEnum):
    QUEUED = "QUEUED"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"


@dataclass(frozen=True, slots=True)
class RunCounts:
    total: int
    completed: int
    failed: int
    started: bool  # a job of the run left the queue at least once

    @property
    def status(self) -> RunStatus:
        if self.completed + self.failed >= self.total:
            return RunStatus.COMPLETED
        return RunStatus.PROCESSING if self.started else RunStatus.QUEUED


def counts_of(total: int, jobs_by_status: Mapping[JobStatus, int]) -> RunCounts:
    """The run's counts from how many of its jobs are in each status."""
    return RunCounts(
        total=total,
        completed=jobs_by_status.get(JobStatus.COMPLETED, 0),
        failed=sum(jobs_by_status.get(status, 0) for status in _FAILED),
        started=any(count for status, count in jobs_by_status.items() if status not in _WAITING),
    )


def events_between(before: RunCounts, after: RunCounts) -> list[str]:
    """What a change of counts announces: progress when a job became (or stopped being) final, and
    completion when the last one did."""
    events: list[str] = []
    if (before.completed, before.failed) != (after.completed, after.failed):
        events.append(JOB_RUN_PROGRESS)
    if after.status is RunStatus.COMPLETED and before.status is not RunStatus.COMPLETED:
        events.append(JOB_RUN_COMPLETED)
    return events


class RunFacts(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def job_type(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def total_jobs(self) -> int: ...
    @property
    def completed_jobs(self) -> int: ...
    @property
    def failed_jobs(self) -> int: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def completed_at(self) -> datetime | None: ...


def run_body(run: RunFacts) -> dict[str, Any]:
    """A run as ``GET /api/job-runs/{id}`` shows it; its ``job_run.*`` events carry the same object."""
    return {
        "id": run.id,
        "type": run.job_type,
        "status": run.status,
        "totalJobs": run.total_jobs,
        "completedJobs": run.completed_jobs,
        "failedJobs": run.failed_jobs,
        "createdAt": iso_ms(run.created_at),
        "updatedAt": iso_ms(run.updated_at),
        "completedAt": iso_ms(run.completed_at),
    }
