"""The worker process: a Huey consumer with one job per forked process, plus the reaper, the watchdog and
the webhook dispatcher threads.

The watchdog (``queue.watchdog``) runs in the consumer, outside the job processes: it renews their
leases and kills one whose job outlives ``EXTRACTD_JOB_TIMEOUT_S``. Each job process also caps its own
address space at ``EXTRACTD_JOB_MEMORY_MB``, so a job that needs more fails instead of the machine.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import resource
import signal
import threading
from collections.abc import Callable
from typing import Any

from huey.consumer import Consumer, Scheduler, Worker

from extractd.config import Settings
from extractd.engine import ocr
from extractd.queue.huey_app import make_huey, wakeup_of
from extractd.queue.reaper import Reaper
from extractd.queue.tasks import JobQueue
from extractd.queue.watchdog import JobWatchdog
from extractd.queue.worker import STOP_REQUESTED
from extractd.store.db import create_db_engine, make_session_factory
from extractd.webhooks.dispatcher import WebhookDispatcher

log = logging.getLogger(__name__)

READY_MESSAGE = "extractd worker ready"
PRELOAD_NICENESS = 10


def load_libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None  # not Linux: children then outlive a parent killed with SIGKILL


def die_with_parent(libc: ctypes.CDLL | None, signum: int = signal.SIGTERM) -> None:
    """Ask the kernel to send ``signum`` to this process when its parent dies, even by SIGKILL (Linux)."""
    pr_set_pdeathsig = 1
    if libc is not None:
        libc.prctl(pr_set_pdeathsig, signum)


_LIBC = load_libc()  # loaded before any fork: a forked child should not dlopen


class JobProcess(Worker):  # type: ignore[misc]
    """A Huey worker process that does not outlive its consumer (no orphans running jobs).

    SIGKILL, because Huey's children ignore SIGTERM between tasks and wait for a stop flag that a
    dead consumer never sets; a job cut short this way is requeued by the reaper when its lease ends.
    """

    memory_limit_bytes = 0  # set by WorkerConsumer before the fork; 0: no ceiling
    preload_ocr = False  # likewise

    def initialize(self) -> None:
        die_with_parent(_LIBC, signal.SIGKILL)
        note_stop_requests()
        limit_memory(self.memory_limit_bytes)
        wakeup = wakeup_of(self.huey)
        if wakeup is not None:
            wakeup.listen()  # before the first look at the queue, so no dispatch goes unnoticed
        if self.preload_ocr:
            # In the background: a text job that arrives meanwhile need not wait, and a scan waits for
            # the models only as long as it would have had to load them itself.
            threading.Thread(target=preload_ocr_models, name="ocr-preload", daemon=True).start()
        super().initialize()

    def sleep(self) -> None:
        """The queue was empty: sleep until a dispatch wakes us (SQLite), at most ``max_delay`` seconds."""
        wakeup = wakeup_of(self.huey)
        if wakeup is None:
            super().sleep()
        else:
            wakeup.wait(self.max_delay)

    def shutdown(self) -> None:
        wakeup = wakeup_of(self.huey)
        if wakeup is not None:
            wakeup.close()
        super().shutdown()


def preload_ocr_models() -> None:
    # At a lower priority (Linux: per thread), so a job that starts meanwhile gets the core first; the
    # models run on this thread (one onnxruntime thread, no pool), so only the warm-up is slowed.
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), PRELOAD_NICENESS)
    try:
        ocr.warm_up()
    except Exception:  # a job needing OCR tries again and fails with the reason
        log.warning("Could not load the OCR models at start-up", exc_info=True)


def limit_memory(limit_bytes: int) -> None:
    """Cap this process's address space: an allocation past it fails (MemoryError) instead of the host."""
    if limit_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def note_stop_requests() -> None:
    """Wrap Huey's SIGTERM handler (it raises KeyboardInterrupt in a running task) to record the request
    first: a library may swallow or convert that KeyboardInterrupt, and the job must still be handed back."""
    huey_handler = signal.getsignal(signal.SIGTERM)

    def on_stop(signum: int, frame: Any) -> None:
        STOP_REQUESTED.set()
        if callable(huey_handler):
            huey_handler(signum, frame)

    signal.signal(signal.SIGTERM, on_stop)


class SchedulerProcess(Scheduler):  # type: ignore[misc]
    """Huey's scheduler process (delayed retries), likewise tied to its consumer."""

    def initialize(self) -> None:
        die_with_parent(_LIBC, signal.SIGKILL)
        super().initialize()


class WorkerConsumer(Consumer):  # type: ignore[misc]
    """Starts the reaper, the watchdog and the webhook dispatcher after the job processes are forked, so
    they never inherit those threads."""

    worker_class = JobProcess
    scheduler_class = SchedulerProcess

    def __init__(
        self,
        reaper: Reaper,
        *args: Any,
        on_ready: Callable[[], None] | None = None,
        dispatcher: WebhookDispatcher | None = None,
        memory_limit_bytes: int = 0,
        preload_ocr: bool = False,
        **kwargs: Any,
    ) -> None:
        self.memory_limit_bytes = memory_limit_bytes  # read by _create_worker, which Consumer calls
        self.preload_ocr = preload_ocr
        super().__init__(*args, **kwargs)
        self.reaper = reaper
        self.dispatcher = dispatcher
        self.on_ready = on_ready
        self.reaper_stop = threading.Event()
        self.reaper_thread = threading.Thread(
            target=reaper.run_forever, args=(self.reaper_stop,), name="reaper", daemon=True
        )
        self.watchdog = JobWatchdog(reaper.settings, reaper.sessions, self.job_pids)
        self.watchdog_thread = threading.Thread(
            target=self.watchdog.run_forever, args=(self.reaper_stop,), name="watchdog", daemon=True
        )

    def _create_worker(self) -> JobProcess:
        worker: JobProcess = super()._create_worker()
        worker.memory_limit_bytes = self.memory_limit_bytes
        worker.preload_ocr = self.preload_ocr
        return worker

    def job_pids(self) -> list[int]:
        """Pids of the live job processes (the list is replaced when Huey restarts a dead one)."""
        return [process.pid for _, process in list(self.worker_threads) if process.is_alive()]

    def start(self) -> None:
        super().start()
        self.reaper_thread.start()
        self.watchdog_thread.start()
        if self.dispatcher is not None:
            self.dispatcher.start()
        log.info("%s (pid of the consumer: %s)", READY_MESSAGE, os.getpid())
        if self.on_ready:
            self.on_ready()

    def stop(self, graceful: bool = False) -> None:
        self.reaper_stop.set()
        self.stop_flag.set()  # before the wake, so the job processes it wakes see it and exit
        wakeup = wakeup_of(self.huey)
        if wakeup is not None:
            wakeup.wake()
        if self.dispatcher is not None:
            self.dispatcher.stop()
        super().stop(graceful=graceful)


def run_workers(settings: Settings, concurrency: int, on_ready: Callable[[], None] | None = None) -> None:
    """Run ``concurrency`` job processes and the reaper until SIGTERM (or SIGINT: finish jobs first)."""
    huey = make_huey(settings)
    queue = JobQueue(huey, settings)
    reaper_engine = create_db_engine(settings)
    reaper = Reaper(settings, make_session_factory(reaper_engine), queue)
    dispatcher_engine = create_db_engine(settings)
    dispatcher = WebhookDispatcher(settings, make_session_factory(dispatcher_engine))
    consumer = WorkerConsumer(
        reaper,
        huey,
        workers=max(1, concurrency),
        # One process per job: OCR models load once per process and a crash takes one job with it.
        worker_type="process",
        periodic=False,
        # An idle job process sleeps until a dispatch wakes it (queue.wake) or this long has passed.
        initial_delay=settings.queue_poll_s,
        max_delay=settings.queue_poll_s,
        check_worker_health=True,
        health_check_interval=1,
        shutdown_timeout=settings.lease_s,
        on_ready=on_ready,
        dispatcher=dispatcher,
        memory_limit_bytes=settings.job_memory_mb * 1024 * 1024,
        preload_ocr=settings.ocr_preload,
    )
    try:
        consumer.run()
    finally:
        reaper_engine.dispose()
        dispatcher_engine.dispose()
