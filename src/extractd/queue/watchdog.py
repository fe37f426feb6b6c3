"""The job watchdog: a thread of the worker's consumer process that keeps its job processes honest.

A job runs in a forked job process that may hold its GIL for minutes (a C library, a long regex), so a
heartbeat thread inside it can starve. The watchdog lives in the consumer process instead, with its own
interpreter and GIL, and every ``tick``:

- renews the lease of every job one of *its* live job processes is running (found by the worker id each
  job process stamps on its claim: ``<host>:<pid>:<random>``), so a busy job keeps its lease;
- kills (SIGKILL) the job process of a job that has run longer than ``EXTRACTD_JOB_TIMEOUT_S`` and fails
  the job ``JOB_TIMEOUT``; the consumer then starts a fresh job process in its place.

A job whose process died is no longer renewed: its lease runs out and the reaper takes over.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterable
from datetime import datetime

from extractd.config import Settings
from extractd.domain.errors import JobTimeout
from extractd.store.db import SessionFactory, transaction
from extractd.store.models import utcnow
from extractd.store.repositories import JobsRepository, LeaseToken

log = logging.getLogger(__name__)


def worker_id_prefix(pid: int, host: str | None = None) -> str:
    """The start of the worker id a job process of this pid stamps on its claims (see WorkerRuntime)."""
    return f"{host or socket.gethostname()}:{pid}:"


class JobWatchdog:
    def __init__(self, settings: Settings, sessions: SessionFactory, job_pids: Callable[[], Iterable[int]]):
        self.settings = settings
        self.sessions = sessions
        self.job_pids = job_pids
        self.tick = min(1.0, settings.lease_s / 3)
        self.host = socket.gethostname()

    def run_forever(self, stop: threading.Event) -> None:
        while not stop.wait(self.tick):
            try:
                self.run_once()
            except Exception:
                # The database blinked: the next tick tries again (leases last three ticks at least).
                log.warning("watchdog pass failed", exc_info=True)

    def run_once(self, now: datetime | None = None) -> list[str]:
        """One pass; the ids of the jobs it stopped for running too long."""
        now = now or utcnow()
        pids = {worker_id_prefix(pid, self.host): pid for pid in self.job_pids()}
        if not pids:
            return []
        with transaction(self.sessions) as session:
            running = JobsRepository(session).running_on(list(pids))
        timed_out: list[str] = []
        for job in running:
            pid = next(pid for prefix, pid in pids.items() if job.worker_id.startswith(prefix))
            token = LeaseToken(job.id, job.worker_id, job.attempt)
            if (now - job.started_at).total_seconds() > self.settings.job_timeout_s:
                self._stop(pid, token, now)
                timed_out.append(job.id)
            else:
                self._renew(token, now)
        return timed_out

    def _renew(self, token: LeaseToken, now: datetime) -> None:
        with transaction(self.sessions) as session:
            JobsRepository(session).extend_lease(token, self.settings.lease_s, now)

    def _stop(self, pid: int, token: LeaseToken, now: datetime) -> None:
        limit = self.settings.job_timeout_s
        log.warning("job %s: ran longer than %g s; killing its process %d", token.job_id, limit, pid)
        with contextlib.suppress(ProcessLookupError):  # it ended meanwhile: the fail below still settles
            os.kill(pid, signal.SIGKILL)
        message = (
            f"The job ran longer than the limit of {limit:g} s (EXTRACTD_JOB_TIMEOUT_S) and was stopped; "
            "this failure is final."
        )
        with transaction(self.sessions) as session:
            JobsRepository(session).fail(token, JobTimeout.code, message, now)
