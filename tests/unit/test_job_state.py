"""The job state machine: every (current, target) pair is either allowed or refused, as DESIGN.md §2 says."""

from __future__ import annotations

import itertools

import pytest

from extractd.domain.errors import InvalidTransition
from extractd.domain.jobs import FINAL_STATUSES, JobStatus, can_transition, ensure_transition, sources_of

S = JobStatus
ALLOWED = {
    (S.PENDING, S.QUEUED),
    (S.PENDING, S.CANCELLED),
    (S.QUEUED, S.PROCESSING),
    (S.QUEUED, S.CANCELLED),
    (S.PROCESSING, S.COMPLETED),
    (S.PROCESSING, S.REVIEW_REQUIRED),
    (S.PROCESSING, S.FAILED),
    (S.PROCESSING, S.QUEUED),
    (S.REVIEW_REQUIRED, S.COMPLETED),
    (S.REVIEW_REQUIRED, S.FAILED),
    (S.COMPLETED, S.QUEUED),
    (S.FAILED, S.QUEUED),
    (S.CANCELLED, S.QUEUED),
    # restart into an environment with no free slot (EXTRACTD_ENV_CONCURRENCY)
    (S.COMPLETED, S.PENDING),
    (S.FAILED, S.PENDING),
    (S.CANCELLED, S.PENDING),
}
ALL_PAIRS = list(itertools.product(JobStatus, JobStatus))


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_transition(current: JobStatus, target: JobStatus) -> None:
    assert can_transition(current, target)
    ensure_transition(current, target)


@pytest.mark.parametrize(("current", "target"), [pair for pair in ALL_PAIRS if pair not in ALLOWED])
def test_forbidden_transition(current: JobStatus, target: JobStatus) -> None:
    assert not can_transition(current, target)
    with pytest.raises(InvalidTransition) as raised:
        ensure_transition(current, target)
    assert raised.value.code == "INVALID_STATE"


def test_sources_of_is_the_inverse_of_the_transitions() -> None:
    for target in JobStatus:
        assert sources_of(target) == {current for current, to in ALLOWED if to == target}


def test_claim_only_from_queued_and_cancel_only_before_processing() -> None:
    assert sources_of(S.PROCESSING) == {S.QUEUED}
    assert sources_of(S.CANCELLED) == {S.PENDING, S.QUEUED}


def test_final_statuses() -> None:
    assert {status for status in JobStatus if status.is_final} == FINAL_STATUSES
    assert {S.COMPLETED, S.FAILED, S.CANCELLED} == FINAL_STATUSES
