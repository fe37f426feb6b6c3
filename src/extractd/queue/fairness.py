"""Fairness between environments: at most ``EXTRACTD_ENV_CONCURRENCY`` jobs of one environment at once.

With a limit set, a new job starts ``pending`` and no message is sent for it. It is admitted
(``pending → queued``, then dispatched) while its environment has fewer than the limit ``queued`` or
``processing``: at creation, whenever a job of the environment leaves its slot (the worker calls
:func:`admit_after` when a run ends) and on every reaper pass (a safety net for a worker that died in
between). The queue therefore never holds more than the limit per environment, so a flood from one
environment cannot sit in front of another's jobs.
"""

from __future__ import annotations

import logging
from typing import Protocol

from extractd.store.db import SessionFactory, transaction
from extractd.store.models import utcnow
from extractd.store.repositories import JobsRepository

log = logging.getLogger(__name__)


class Dispatcher(Protocol):
    def dispatch(self, job_id: str) -> None: ...


def admit(sessions: SessionFactory, queue: Dispatcher, limit: int, environment_id: str) -> list[str]:
    """Admit the environment's oldest pending jobs into its free slots and dispatch them."""
    with transaction(sessions) as session:
        admitted = JobsRepository(session).admit_pending(environment_id, limit, utcnow())
    for job_id in admitted:
        try:
            queue.dispatch(job_id)
        except Exception:
            # Queued in the database: the reaper re-dispatches queued jobs nobody took.
            log.exception("could not dispatch admitted job %s; the reaper will retry", job_id)
    return admitted


def admit_after(sessions: SessionFactory, queue: Dispatcher, limit: int, job_id: str) -> list[str]:
    """A run of ``job_id`` ended: hand its environment's free slot to the next pending job."""
    if limit <= 0:
        return []
    try:
        with transaction(sessions) as session:
            environment_id = JobsRepository(session).environment_of(job_id)
        return [] if environment_id is None else admit(sessions, queue, limit, environment_id)
    except Exception:
        log.exception("job %s: could not admit the next pending job; the reaper will", job_id)
        return []


def admit_all(sessions: SessionFactory, queue: Dispatcher, limit: int) -> list[str]:
    """Every environment with pending jobs (also after the limit was lifted: ``limit`` 0 admits all)."""
    with transaction(sessions) as session:
        environments = JobsRepository(session).environments_with_pending()
    admitted: list[str] = []
    for environment_id in environments:
        admitted += admit(sessions, queue, limit, environment_id)
    return admitted
