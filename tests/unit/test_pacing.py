"""The polling hint (domain.pacing): the expected time left, between the poll floor and MAX_RETRY_MS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from extractd.domain.jobs import JobStatus
from extractd.domain.pacing import (
    MAX_RETRY_MS,
    OCR_PAGE_S,
    REVIEW_RETRY_MS,
    UNKNOWN_RETRY_MS,
    PollTiming,
    Workload,
    retry_after_ms,
)

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
FLOOR = 200


def _queued(workload: Workload | None, waited_s: float = 0.0) -> PollTiming:
    return PollTiming(JobStatus.QUEUED, NOW - timedelta(seconds=waited_s), None, 0, workload)


def _processing(workload: Workload, ran_s: float, progress: int = 0) -> PollTiming:
    queued_at = NOW - timedelta(seconds=ran_s + 1)
    return PollTiming(JobStatus.PROCESSING, queued_at, NOW - timedelta(seconds=ran_s), progress, workload)


def test_a_small_text_job_is_polled_at_the_floor() -> None:
    assert retry_after_ms(_queued(Workload(pages=1, ocr=False)), NOW, FLOOR) == FLOOR
    assert retry_after_ms(_queued(Workload(pages=1, ocr=False)), NOW, 2000) == 2000


def test_ocr_pages_and_page_count_lengthen_the_hint() -> None:
    one_scan = retry_after_ms(_queued(Workload(pages=1, ocr=True)), NOW, FLOOR)
    three_scans = retry_after_ms(_queued(Workload(pages=3, ocr=True)), NOW, FLOOR)
    fifty_text_pages = retry_after_ms(_queued(Workload(pages=50, ocr=False)), NOW, FLOOR)
    assert one_scan >= OCR_PAGE_S * 1000
    assert three_scans >= 3 * OCR_PAGE_S * 1000
    assert FLOOR < fifty_text_pages < one_scan


def test_jobs_queued_ahead_add_their_waves() -> None:
    alone = Workload(pages=1, ocr=True)
    behind_four = alone.behind(queued=4, processing=2)  # two waves of two workers
    assert behind_four.ahead_s == round(2 * alone.run_s, 3)
    assert retry_after_ms(_queued(behind_four), NOW, FLOOR) > retry_after_ms(_queued(alone), NOW, FLOOR)
    assert alone.behind(queued=3, processing=0).ahead_s == round(3 * alone.run_s, 3)


def test_time_already_waited_counts_and_the_hint_is_capped() -> None:
    long_job = Workload(pages=100, ocr=True)
    assert retry_after_ms(_queued(long_job), NOW, FLOOR) == MAX_RETRY_MS
    scan = Workload(pages=1, ocr=True)
    fresh = retry_after_ms(_queued(scan), NOW, FLOOR)
    assert retry_after_ms(_queued(scan, waited_s=1.0), NOW, FLOOR) == fresh - 1000


def test_a_running_job_is_timed_by_its_progress() -> None:
    job = Workload(pages=4, ocr=True)
    # Half done after 6 s: about 6 s left, whatever the estimate said.
    assert retry_after_ms(_processing(job, ran_s=6, progress=50), NOW, FLOOR) == 6000
    # Too early to tell from progress: the estimate minus the time it ran.
    assert retry_after_ms(_processing(job, ran_s=2, progress=3), NOW, FLOOR) == int(job.run_s * 1000) - 2000


def test_an_overdue_job_is_polled_at_a_quarter_of_its_time_so_far() -> None:
    small = Workload(pages=1, ocr=False)
    assert retry_after_ms(_processing(small, ran_s=8), NOW, FLOOR) == 2000
    assert retry_after_ms(_queued(small, waited_s=4), NOW, FLOOR) == 1000
    assert retry_after_ms(_queued(small, waited_s=0.4), NOW, FLOOR) == FLOOR


def test_review_and_unknown_workloads_keep_their_fixed_hints() -> None:
    review = PollTiming(JobStatus.REVIEW_REQUIRED, NOW, NOW, 100, Workload(1, False))
    assert retry_after_ms(review, NOW, FLOOR) == REVIEW_RETRY_MS
    assert retry_after_ms(_queued(None), NOW, FLOOR) == UNKNOWN_RETRY_MS
    assert retry_after_ms(_queued(None), NOW, 5000) == 5000


def test_workload_round_trips_through_json_and_refuses_junk() -> None:
    workload = Workload(pages=3, ocr=True, ahead_s=4.5)
    assert Workload.from_json(workload.to_json()) == workload
    assert Workload.from_json(None) is None
    assert Workload.from_json({"pages": "many", "ocr": True}) is None
    assert Workload.from_json({"ocr": True}) is None
