"""`extractd serve` (API + workers in one command) and `extractd worker` (workers alone)."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from typing import Annotated

import typer

from extractd.cli.app import DataDirOption, app, build_settings
from extractd.cli.preflight import require_storage
from extractd.config import Settings
from extractd.logging import configure_logging

log = logging.getLogger(__name__)

HostOption = Annotated[
    str | None,
    typer.Option(
        "--host",
        envvar="EXTRACTD_HOST",
        help="Interface to listen on (default 127.0.0.1).",
    ),
]
PortOption = Annotated[
    int | None,
    typer.Option("--port", envvar="EXTRACTD_PORT", help="TCP port (default 8000)."),
]
WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        envvar="EXTRACTD_WORKERS",
        min=0,
        help="Worker processes to start; 0 = API only (default CPU count).",
    ),
]
ConcurrencyOption = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        envvar="EXTRACTD_WORKERS",
        min=1,
        help="Jobs run at once, one process each (default CPU count).",
    ),
]

OTHER_SETTINGS = (
    "Other settings come from the environment: EXTRACTD_DATABASE_URL (PostgreSQL), EXTRACTD_REDIS_URL "
    "(queue), EXTRACTD_STORAGE_URL (blobs, e.g. s3://), EXTRACTD_PUBLIC_URL, EXTRACTD_LEASE_S, "
    "EXTRACTD_MAX_ATTEMPTS, EXTRACTD_RESULT_TTL, EXTRACTD_WEBHOOK_RETRY_SCHEDULE, "
    "EXTRACTD_WEBHOOK_ALLOW_PRIVATE, EXTRACTD_LOG_LEVEL, EXTRACTD_LOG_JSON."
)


@app.command(epilog=OTHER_SETTINGS)
def worker(data_dir: DataDirOption = None, concurrency: ConcurrencyOption = None) -> None:
    """Run extraction workers alone (scale-out: start it on any machine that reaches the database)."""
    from extractd.queue.consumer import READY_MESSAGE, run_workers
    from extractd.store.migrate import upgrade_to_head

    settings = build_settings(data_dir, workers=concurrency)
    configure_logging(settings.log_level, json_lines=settings.log_json)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    require_storage(settings)
    upgrade_to_head(settings)
    concurrency = settings.workers or 1
    run_workers(
        settings,
        concurrency,
        on_ready=lambda: typer.echo(f"{READY_MESSAGE}: {concurrency} process(es)", err=True),
    )


@app.command(epilog=OTHER_SETTINGS)
def serve(
    host: HostOption = None,
    port: PortOption = None,
    data_dir: DataDirOption = None,
    workers: WorkersOption = None,
) -> None:
    """Run the API and the workers: everything on one machine, SQLite and local files by default."""
    import uvicorn

    from extractd.api.app import create_app
    from extractd.api.edge import http_protocol
    from extractd.services.bootstrap import bootstrap
    from extractd.store.db import create_db_engine, make_session_factory
    from extractd.store.migrate import upgrade_to_head
    from extractd.webhooks.dispatcher import WebhookDispatcher

    settings = build_settings(data_dir, host=host, port=port, workers=workers)
    configure_logging(settings.log_level, json_lines=settings.log_json)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    require_storage(settings)
    upgrade_to_head(settings)
    engine = create_db_engine(settings)
    try:
        api_key = bootstrap(make_session_factory(engine))
    finally:
        engine.dispose()
    _announce(settings, api_key)
    supervisor = WorkerSupervisor(settings) if settings.workers > 0 else None
    if supervisor:
        supervisor.start()
    # Webhook deliveries from this node too (an API-only node included); its own thread and engine.
    dispatcher_engine = create_db_engine(settings)
    dispatcher = WebhookDispatcher(settings, make_session_factory(dispatcher_engine)).start()
    # uvicorn handles SIGINT/SIGTERM itself, then re-raises the signal to the handler it found on
    # start: make that one harmless, so the shutdown continues here and stops the workers too.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda signum, frame: None)
    try:
        # log_config=None: uvicorn's records go through our handler (format, JSON, request id).
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_level="warning",
            log_config=None,
            http=http_protocol(),  # what uvicorn refuses before the app answers in our error body too
        )
    finally:
        dispatcher.stop()
        dispatcher_engine.dispose()
        if supervisor:
            supervisor.stop()


def _announce(settings: Settings, api_key: str | None) -> None:
    # Only URLs that answer: the API (its endpoints live under /api/v1), its interactive docs, the console.
    base = base_url(settings)
    if api_key:
        typer.echo("Created the environment `default`. Its API key (shown once, keep it):")
        typer.echo(f"  {api_key}")
    typer.echo(f"API:     {base}/api/v1  (Authorization: api-key <key>)")
    typer.echo(f"Docs:    {base}/docs")
    typer.echo(f"Console: {base}/console  (review jobs; sign in with an API key)")
    typer.echo(f"Data:    {settings.data_dir}")
    typer.echo(f"Workers: {settings.workers} process(es)" if settings.workers else "Workers: none (API only)")


def base_url(settings: Settings) -> str:
    """Where clients reach the API: EXTRACTD_PUBLIC_URL, else the address listened on (wildcard: loopback)."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(settings.host, settings.host)
    return f"http://[{host}]:{settings.port}" if ":" in host else f"http://{host}:{settings.port}"


class WorkerSupervisor:
    """Keeps one `extractd worker` child running for `serve`; restarts it if it dies."""

    STOP_TIMEOUT_S = 15.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.command = [
            sys.executable,
            "-c",
            "from extractd.cli import main; main()",
            "worker",
            "--data-dir",
            str(settings.data_dir),
            "--concurrency",
            str(settings.workers),
        ]
        self.process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        # Its own session: a Ctrl-C in the terminal reaches `serve`, which stops the worker cleanly.
        # libc is loaded here, not in the child: only async-signal-safe work may run between fork and exec.
        from extractd.queue.consumer import die_with_parent, load_libc  # Huey & co.: only for serve

        libc = load_libc()
        return subprocess.Popen(
            self.command, start_new_session=True, preexec_fn=lambda: die_with_parent(libc)
        )

    def _watch(self) -> None:
        restarts = 0
        while not self._stopping.is_set():
            self.process = self._spawn()
            started = time.monotonic()
            while self.process.poll() is None and not self._stopping.wait(0.5):
                pass
            if self._stopping.is_set():
                return
            restarts = 0 if time.monotonic() - started > 60 else restarts + 1
            delay = min(30.0, 0.5 * 2**restarts)
            log.error("worker process exited with %s; restarting in %.1fs", self.process.returncode, delay)
            self._stopping.wait(delay)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=2)
        process = self.process
        if process is None or process.poll() is not None:
            return
        # SIGTERM: running jobs are handed back to the queue at once (see queue.worker).
        process.terminate()
        try:
            process.wait(self.STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
