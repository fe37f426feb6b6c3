"""The job state machine shared by both dialects (DESIGN.md §2)."""

from __future__ import annotations

from enum import StrEnum

from extractd.domain.errors import InvalidTransition


class JobStatus(StrEnum):
    PENDING = "pending"
    QUEUED = "queued"
    PROCESSING = "processing"
    REVIEW_REQUIRED = "review_required"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})

TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.PENDING: frozenset({JobStatus.QUEUED, JobStatus.CANCELLED}),
    JobStatus.QUEUED: frozenset({JobStatus.PROCESSING, JobStatus.CANCELLED}),
    # processing -> queued: the reaper returns a job whose lease expired, or a transient error retries it.
    JobStatus.PROCESSING: frozenset(
        {JobStatus.COMPLETED, JobStatus.REVIEW_REQUIRED, JobStatus.FAILED, JobStatus.QUEUED}
    ),
    # review: approved (possibly corrected) → completed; rejected → failed with REVIEW_REJECTED.
    JobStatus.REVIEW_REQUIRED: frozenset({JobStatus.COMPLETED, JobStatus.FAILED}),
    # restart: a new attempt of the same job (pending while its environment has no free slot).
    JobStatus.COMPLETED: frozenset({JobStatus.QUEUED, JobStatus.PENDING}),
    JobStatus.FAILED: frozenset({JobStatus.QUEUED, JobStatus.PENDING}),
    JobStatus.CANCELLED: frozenset({JobStatus.QUEUED, JobStatus.PENDING}),
}


def can_transition(current: JobStatus, target: JobStatus) -> bool:
    return target in TRANSITIONS[current]


def ensure_transition(current: JobStatus, target: JobStatus) -> None:
    if not can_transition(current, target):
        raise InvalidTransition(f"A job cannot go from {current} to {target}.")


def sources_of(target: JobStatus) -> frozenset[JobStatus]:
    """Statuses from which ``target`` can be reached: the WHERE clause of a conditional update."""
    return frozenset(status for status, targets in TRANSITIONS.items() if target in targets)
