"""Start and stop real `extractd serve` / `extractd worker` processes for integration tests.

Each process runs in its own session (process group), so a test can kill a worker together with the job
processes it forked, the way a machine dies. Output goes to a log file that tests can read and wait on.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from extractd.config import Settings
from extractd.domain.jobs import JobStatus
from extractd.store.blobs import open_blob_store
from extractd.store.db import create_db_engine, make_session_factory, transaction
from extractd.store.migrate import upgrade_to_head
from extractd.store.models import Document, Environment, Job, JobResult, utcnow
from extractd.store.repositories import DocumentsRepository, JobsRepository, document_blob_key

# The `extractd` Typer app with the commands these helpers run (serve, worker) registered; loading only
# those keeps start-up fast and independent of the other commands' modules.
CLI = [sys.executable, "-c", "import extractd.cli.serve; from extractd.cli.app import app; app()"]
WORKER_READY = "extractd worker ready"
API_KEY_LINE = re.compile(r"API key \(shown once[^\n]*\n\s+(\S+)")
CONSUMER_PID = re.compile(r"pid of the consumer: (\d+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def extractd_env(data_dir: Path, **overrides: Any) -> dict[str, str]:
    """The environment of a child process: ours minus any EXTRACTD_* setting, plus the test's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("EXTRACTD_")}
    env["EXTRACTD_DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    env.update({f"EXTRACTD_{key.upper()}": str(value) for key, value in overrides.items()})
    return env


def wait_until(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@dataclass
class ManagedProcess:
    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None
    base_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def wait_for_log(self, text: str, timeout: float = 30.0) -> None:
        def seen() -> bool:
            if text in self.logs():
                return True
            if not self.alive():
                raise RuntimeError(f"{self.name} exited early:\n{self.logs()[-4000:]}")
            return False

        wait_until(seen, timeout, f"{text!r} in the log of {self.name}")

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM, as a service manager stops it; SIGKILL the whole group if it does not exit."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._kill_leftovers()
        return self.popen.returncode

    def consumer_pids(self) -> list[int]:
        """Pids of the worker consumers this process started so far (a restarted one adds a pid)."""
        return [int(pid) for pid in CONSUMER_PID.findall(self.logs())]

    def kill(self) -> None:
        """SIGKILL the process and everything it forked: the machine died."""
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)

    def _kill_leftovers(self) -> None:
        assert self.popen is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)


def start_worker(
    data_dir: Path,
    log_dir: Path,
    *,
    concurrency: int = 1,
    name: str = "worker",
    env: Mapping[str, Any] | None = None,
    timeout: float = 60.0,
) -> ManagedProcess:
    """`extractd worker`, returned once it consumes the queue."""
    process = ManagedProcess(
        name=name,
        args=[*CLI, "worker", "--data-dir", str(data_dir), "--concurrency", str(concurrency)],
        env=extractd_env(data_dir, **(env or {})),
        log_path=log_dir / f"{name}.log",
    ).start()
    process.wait_for_log(WORKER_READY, timeout)
    return process


def start_serve(
    data_dir: Path,
    log_dir: Path,
    *,
    workers: int = 1,
    name: str = "serve",
    env: Mapping[str, Any] | None = None,
    timeout: float = 90.0,
) -> ManagedProcess:
    """`extractd serve` on a free port, returned once its HTTP API answers (and its worker is up)."""
    port = free_port()
    process = ManagedProcess(
        name=name,
        args=[
            *CLI,
            "serve",
            "--data-dir",
            str(data_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=extractd_env(data_dir, **(env or {})),
        log_path=log_dir / f"{name}.log",
    ).start()
    process.base_url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if not process.alive():
            raise RuntimeError(f"{name} exited early:\n{process.logs()[-4000:]}")
        try:
            return httpx.get(f"{process.base_url}/openapi.json", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(answers, timeout, f"{name} to answer HTTP")
    if workers:
        process.wait_for_log(WORKER_READY, timeout)
    key = API_KEY_LINE.search(process.logs())
    process.extra["api_key"] = key.group(1) if key else None
    return process


# --- seeding jobs straight through the repositories (no API needed) ------------------------------
def settings_for(data_dir: Path, **overrides: Any) -> Settings:
    return Settings(data_dir=data_dir, **overrides)


def prepare_database(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_to_head(settings)


def seed_job(
    settings: Settings,
    content: bytes | None,
    template: Mapping[str, Any],
    *,
    filename: str = "document.pdf",
    content_type: str = "application/pdf",
    options: Mapping[str, Any] | None = None,
    document_review: int | None = None,
    environment: str = "default",
) -> str:
    """A queued job (environment, document row, blob, job row) as create_job makes it.

    ``content=None`` leaves the blob unwritten (a test of the storage retry writes it later).
    """
    engine = create_db_engine(settings)
    try:
        with transaction(make_session_factory(engine)) as session:
            env = session.query(Environment).filter_by(name=environment).one_or_none()
            if env is None:
                env = Environment(name=environment)
                session.add(env)
                session.flush()
            data = content or b""
            sha256 = hashlib.sha256(data).hexdigest()
            document = DocumentsRepository(session).add_or_existing(
                Document(
                    environment_id=env.id,
                    blob_key=document_blob_key(env.id, sha256),
                    filename=filename,
                    content_type=content_type,
                    size=len(data),
                    sha256=sha256,
                )
            )
            if content is not None:
                open_blob_store(settings).put(document.blob_key, content)
            job = Job(
                environment_id=env.id,
                document_id=document.id,
                status=JobStatus.QUEUED,
                template_name=str(template.get("name")),
                template_definition=dict(template),
                options=dict(options or {}),
                document_review=document_review,
                queued_at=utcnow(),
            )
            return JobsRepository(session).add(job).id
    finally:
        engine.dispose()


def read_job(settings: Settings, job_id: str) -> Job:
    engine = create_db_engine(settings)
    try:
        with transaction(make_session_factory(engine)) as session:
            job = JobsRepository(session).get(job_id)
            assert job is not None
            session.expunge(job)
            return job
    finally:
        engine.dispose()


def wait_for_status(settings: Settings, job_id: str, statuses: set[str], timeout: float) -> Job:
    return wait_until(
        lambda: job if (job := read_job(settings, job_id)).status in statuses else None,
        timeout,
        f"job {job_id} to reach {sorted(statuses)}",
        interval=0.2,
    )


def read_result(settings: Settings, job_id: str) -> JobResult | None:
    """The stored result row of a job (None when there is none, or it was purged)."""
    engine = create_db_engine(settings)
    try:
        with transaction(make_session_factory(engine)) as session:
            result = session.get(JobResult, job_id)
            if result is not None:
                session.expunge(result)
            return result
    finally:
        engine.dispose()
