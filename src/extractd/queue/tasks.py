"""The one task, ``run_job(job_id)``, and ``JobQueue``: what services and the reaper dispatch through.

A message only says "job X may be ready"; the worker's conditional claim decides whether anything runs,
so a duplicated or stale message is harmless.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING

from huey import Huey

from extractd.config import Settings

if TYPE_CHECKING:
    from extractd.queue.worker import WorkerRuntime

log = logging.getLogger(__name__)

RUN_JOB_TASK = "extractd.run_job"


class JobQueue:
    """Dispatches jobs to the workers; in a worker process it also runs them (``run_job``)."""

    def __init__(self, huey: Huey, settings: Settings) -> None:
        self.huey = huey
        self.settings = settings
        self._runtime: WorkerRuntime | None = None
        self._runtime_pid: int | None = None
        self._runtime_lock = threading.Lock()
        # Registered under a fixed name, so the API process and the workers agree on the message.
        self._run_job = huey.task(name=RUN_JOB_TASK, retries=0)(self.run_job)

    def dispatch(self, job_id: str) -> None:
        """Tell a worker that the job may be ready now."""
        self._run_job(job_id)

    def dispatch_later(self, job_id: str, delay_s: float) -> None:
        """Tell a worker to look at the job after ``delay_s`` seconds (a retry's backoff)."""
        self._run_job.schedule(args=(job_id,), delay=delay_s)

    def pending_count(self) -> int:
        return int(self.huey.pending_count())

    def run_job(self, job_id: str) -> None:
        """The task body, executed by the Huey consumer in a worker process."""
        from extractd.queue.worker import process_job  # the engine loads only where jobs run

        process_job(job_id, self.runtime())

    def runtime(self) -> WorkerRuntime:
        """This process's database engine, blob store and identity, built on first use after fork."""
        with self._runtime_lock:
            if self._runtime is None or self._runtime_pid != os.getpid():
                from extractd.queue.worker import WorkerRuntime

                self._runtime = WorkerRuntime.create(self.settings, self)
                self._runtime_pid = os.getpid()
            return self._runtime
