"""Job pickup without polling: an idle worker is woken by a dispatch (SQLite: wake pipes; Redis: a blocking
pop), so a job starts at once even with the idle poll set far longer than the test waits."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from tests.integration.processes import (
    prepare_database,
    seed_job,
    settings_for,
    start_worker,
    wait_for_status,
)
from tests.integration.worker_documents import INVOICE_TEMPLATE

from extractd.domain.jobs import JobStatus
from extractd.queue.huey_app import make_huey
from extractd.queue.tasks import JobQueue
from extractd.queue.wake import Wakeup

# Far longer than any wait below: a job that completes in time was started by a wake, not by a poll.
LONG_POLL_S = 120
IDLE_S = 1.5  # long enough for the job processes to have looked at the empty queue and gone to sleep


def test_a_wake_sent_before_the_wait_is_not_lost(tmp_path: Path) -> None:
    listener, waker = Wakeup(tmp_path / "wake"), Wakeup(tmp_path / "wake")
    listener.listen()
    assert waker.wake() == 1
    assert listener.wait(LONG_POLL_S) is True  # returns at once: the byte waited in the pipe
    assert listener.wait(0.05) is False  # drained: the next wait sleeps again
    listener.close()
    assert waker.wake() == 0
    assert list((tmp_path / "wake").iterdir()) == []


def test_a_dead_listeners_pipe_is_removed_by_the_next_wake(tmp_path: Path) -> None:
    directory = tmp_path / "wake"
    child = os.fork()
    if child == 0:  # a job process that dies without closing its pipe (SIGKILL)
        Wakeup(directory).listen()
        os.kill(os.getpid(), signal.SIGKILL)
    os.waitpid(child, 0)
    assert len(list(directory.iterdir())) == 1
    assert Wakeup(directory).wake() == 0
    assert list(directory.iterdir()) == []


def _idle_worker_runs_a_dispatched_job(tmp_path: Path, invoice_pdf: bytes, **env: Any) -> None:
    env = {"queue_poll_s": LONG_POLL_S, **env}
    settings = settings_for(tmp_path / "data", **env)
    prepare_database(settings)
    queue = JobQueue(make_huey(settings), settings)
    worker = start_worker(settings.data_dir, tmp_path / "logs", concurrency=2, env=env)
    try:
        time.sleep(IDLE_S)
        first = seed_job(settings, invoice_pdf, INVOICE_TEMPLATE)
        queue.dispatch(first)
        job = wait_for_status(settings, first, {JobStatus.COMPLETED}, timeout=LONG_POLL_S / 3)
        assert job.started_at is not None
        # Idle again after a job: the next dispatch wakes it too.
        time.sleep(IDLE_S)
        second = seed_job(settings, invoice_pdf, INVOICE_TEMPLATE)
        queue.dispatch(second)
        wait_for_status(settings, second, {JobStatus.COMPLETED}, timeout=LONG_POLL_S / 3)
        # Stopping wakes the sleeping job processes as well: the worker exits by itself, well before a poll.
        assert worker.popen is not None
        worker.popen.send_signal(signal.SIGTERM)
        try:
            worker.popen.wait(LONG_POLL_S / 4)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the worker did not stop on SIGTERM:\n{worker.logs()[-3000:]}")
    finally:
        worker.stop()


@pytest.mark.slow
def test_idle_sqlite_worker_is_woken_by_a_dispatch(tmp_path: Path, invoice_pdf: bytes) -> None:
    _idle_worker_runs_a_dispatched_job(tmp_path, invoice_pdf)


@pytest.mark.slow
@pytest.mark.redis
def test_idle_redis_worker_picks_a_dispatch_up_at_once(
    tmp_path: Path, invoice_pdf: bytes, redis_database: str
) -> None:
    _idle_worker_runs_a_dispatched_job(tmp_path, invoice_pdf, redis_url=redis_database)
