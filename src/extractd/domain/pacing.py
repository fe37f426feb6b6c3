"""The polling hint (``retryAfterMs``): when a job is expected to be done, from its size and the queue.

A job's expected run time comes from its workload (pages, and whether they need OCR), estimated from the
bytes at create time; the wait before it starts from the jobs queued ahead of it at that moment. A status
read then needs no further query: the hint is the time left until the expected end, taken from the
job's own timestamps (and its progress while it runs). A job that overruns its estimate is polled at a
quarter of the time it has taken so far, so a wrong estimate costs a few polls, not a stall. Every hint
lies between the poll limit's floor (``1000 / EXTRACTD_POLL_RATE`` ms) and ``MAX_RETRY_MS``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from extractd.domain.jobs import JobStatus

# The key of a job's options under which its workload is kept (written at create, read by status reads).
WORKLOAD_OPTION = "workload"
# Seconds per job and per page on this project's reference machine (bench/speed.py, bench/throughput.py:
# a 1-page text PDF takes ~70 ms create → completed, an A4 scan ~1.5 s of OCR on one core).
JOB_BASE_S = 0.05
TEXT_PAGE_S = 0.02
OCR_PAGE_S = 1.5
# A hint, not a promise: even a long job's client looks again at least this often.
MAX_RETRY_MS = 10_000
REVIEW_RETRY_MS = 5000
# Before a job has a workload on record (created by an older version): the old fixed hint.
UNKNOWN_RETRY_MS = 1000
# Progress below this says little about the remaining time (the engine reports loading as a few percent).
MIN_PROGRESS_FOR_RATE = 10


@dataclass(frozen=True)
class Workload:
    """What a job's document asks of a worker, as far as its bytes tell before it runs."""

    pages: int
    ocr: bool
    ahead_s: float = 0.0  # expected seconds of the jobs queued ahead of it, per busy worker

    @property
    def run_s(self) -> float:
        return JOB_BASE_S + self.pages * (OCR_PAGE_S if self.ocr else TEXT_PAGE_S)

    def behind(self, queued: int, processing: int) -> Workload:
        """This workload with the wait behind ``queued`` jobs, ``max(1, processing)`` of them at a time.

        The jobs ahead are counted as jobs like this one: their sizes are not known without reading them.
        """
        waves = math.ceil(queued / max(1, processing))
        return Workload(self.pages, self.ocr, round(waves * self.run_s, 3))

    def to_json(self) -> dict[str, Any]:
        return {"pages": self.pages, "ocr": self.ocr, "aheadS": self.ahead_s}

    @classmethod
    def from_json(cls, data: Any) -> Workload | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(int(data["pages"]), bool(data["ocr"]), float(data.get("aheadS", 0.0)))
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class PollTiming:
    """The facts of a job a status read has at hand (its row), for the hint."""

    status: JobStatus
    queued_at: datetime | None
    started_at: datetime | None
    progress: int
    workload: Workload | None


def retry_after_ms(job: PollTiming, now: datetime, floor_ms: int) -> int:
    """How long a client should wait before polling the job again."""
    if job.status is JobStatus.REVIEW_REQUIRED:
        return max(floor_ms, REVIEW_RETRY_MS)
    if job.workload is None:
        return max(floor_ms, UNKNOWN_RETRY_MS)
    seconds = _remaining_s(job, job.workload, now)
    return int(min(MAX_RETRY_MS, max(floor_ms, math.ceil(seconds * 1000))))


def _remaining_s(job: PollTiming, workload: Workload, now: datetime) -> float:
    if job.status is JobStatus.PROCESSING and job.started_at is not None:
        elapsed = max(0.0, (now - job.started_at).total_seconds())
        if job.progress >= MIN_PROGRESS_FOR_RATE:
            return elapsed * (100 - min(99, job.progress)) / job.progress
        left = workload.run_s - elapsed
    else:
        since = job.queued_at or now
        elapsed = max(0.0, (now - since).total_seconds())
        left = workload.ahead_s + workload.run_s - elapsed
    return left if left > 0 else elapsed / 4
