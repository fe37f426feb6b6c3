"""Throughput benchmark: documents per minute end to end (create → completed) through the real service,
and the ratio to the engine alone on the same files with as many processes.

    python bench/throughput.py [--corpus ../shared/corpus] [--text-pages 40] [--ocr-pages 6]
        [--workers 1 2] [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
        --redis-url redis://127.0.0.1:6379/0 [--s3-endpoint-url http://127.0.0.1:9000]]

Backends: `embedded` (one `extractd serve --workers N`: SQLite, the SQLite queue, local blobs) and, when
the PostgreSQL and Redis URLs are given, `scale-out` (an API node `extractd serve --workers 0` and a separate
`extractd worker --concurrency N`, each with its own data dir, on a fresh PostgreSQL database, a Redis
database and an S3 bucket: the endpoint given, else moto's server started here on 127.0.0.1).
Inputs as bench/speed.py makes them: text PDFs (the corpus's, else generated) and A4 scans at 200 dpi.
Jobs are created over HTTP on 127.0.0.1 one after the other; the time runs from the first create to the
last job's completion as the database records it. Workers warm up (one job per process) first; e-invoice
reading is off on both sides, so the same visual pipeline is timed. Targets (issue 11): overhead under
5% for OCR pages, under 20% for text PDFs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from tests.integration.processes import ManagedProcess, free_port, start_serve, start_worker, wait_until

from extractd.config import Settings
from extractd.queue.consumer import die_with_parent, load_libc
from extractd.store.db import create_db_engine, make_session_factory
from extractd.store.models import Job
from speed import _page_count, _run, _work, ocr_inputs, text_inputs

OVERHEAD_TARGETS = {"text": 0.20, "ocr": 0.05}
FINAL = ("completed", "failed", "review_required")
COMMON_ENV = {"einvoice": "false", "poll_rate": 1000}


def _ready_worker(ready: Any, warmup: bytes) -> None:
    # Not pinned to a core (unlike bench/speed.py): the service's workers are not pinned either.
    _run(warmup, "extract")
    ready.put(os.getpid())


def engine_docs_per_min(inputs: list[bytes], workers: int) -> float:
    """The engine alone, in ``workers`` processes; the clock starts once every process is warm."""
    context = get_context("spawn")
    manager = context.Manager()
    ready = manager.Queue()
    with context.Pool(workers, initializer=_ready_worker, initargs=(ready, inputs[0])) as pool:
        for _ in range(workers):
            ready.get(timeout=600)
        started = time.perf_counter()
        pool.starmap(_work, [(content, "extract") for content in inputs], chunksize=1)
        elapsed = time.perf_counter() - started
    manager.shutdown()
    return len(inputs) / elapsed * 60


@contextlib.contextmanager
def moto_s3(log_dir: Path) -> Iterator[str]:
    port, libc = free_port(), load_libc()
    with (log_dir / "moto.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=log,
            preexec_fn=lambda: die_with_parent(libc),  # gone with the benchmark, however it ends
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(endpoint), 60, "moto's S3 server")
        yield endpoint
    finally:
        process.terminate()
        process.wait(10)


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=2)
    except httpx.HTTPError:
        return False
    return True


@contextlib.contextmanager
def scale_out_env(args: argparse.Namespace, s3_endpoint: str) -> Iterator[dict[str, Any]]:
    """A fresh PostgreSQL database, an emptied Redis database and a new bucket, removed afterwards."""
    import boto3
    import redis

    name = f"extractd_bench_{secrets.token_hex(4)}"
    admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    bucket = f"extractd-bench-{secrets.token_hex(4)}"
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket=bucket)
    queue = redis.Redis.from_url(args.redis_url)
    queue.flushdb()
    try:
        yield {
            "database_url": make_url(args.postgres_url)
            .set(database=name)
            .render_as_string(hide_password=False),
            "redis_url": args.redis_url,
            "storage_url": f"s3://{bucket}/bench",
            "s3_endpoint_url": s3_endpoint,
        }
    finally:
        queue.flushdb()
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                s3.delete_object(Bucket=bucket, Key=item["Key"])
        s3.delete_bucket(Bucket=bucket)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_service(
    backend: str, workers: int, inputs: list[bytes], suffix: str, env: dict[str, Any], root: Path
) -> float:
    """Documents per minute through the service; starts and stops its processes."""
    root.mkdir(parents=True)
    processes: list[ManagedProcess] = []
    try:
        if backend == "embedded":
            api = start_serve(root / "data", root / "logs", workers=workers, env=env)
            processes.append(api)
            settings = Settings(data_dir=root / "data", **env)
        else:
            api = start_serve(root / "api", root / "logs", workers=0, env=env, name="api")
            processes.append(api)
            processes.append(
                start_worker(root / "worker", root / "logs", concurrency=workers, env=env, name="worker")
            )
            settings = Settings(data_dir=root / "api", **env)
        key = api.extra["api_key"]
        engine = create_db_engine(settings)
        sessions = make_session_factory(engine)
        with httpx.Client(base_url=str(api.base_url), headers={"Authorization": f"api-key {key}"}) as client:
            _submit_and_wait(client, sessions, inputs[:workers], suffix)  # warm-up: one job per process
            started = time.time()
            finished = _submit_and_wait(client, sessions, inputs, suffix)
        engine.dispose()
        return len(inputs) / (finished - started) * 60
    finally:
        for process in reversed(processes):
            process.stop()


def _submit_and_wait(client: httpx.Client, sessions: Any, inputs: list[bytes], suffix: str) -> float:
    """Create a job per input, wait until all are final; when the last completed (epoch seconds)."""
    ids = []
    for index, content in enumerate(inputs):
        answer = client.post(
            "/api/v1/extraction-jobs",
            files={"file": (f"doc-{index}.{suffix}", content)},
            data={"templateName": "invoice"},
            timeout=60,
        )
        answer.raise_for_status()
        ids.append(answer.json()["job"]["id"])

    def all_final() -> float | None:
        with sessions() as session:
            rows = session.execute(
                select(func.count(), func.max(Job.completed_at)).where(Job.id.in_(ids), Job.status.in_(FINAL))
            ).one()
        return rows[1].timestamp() if rows[0] == len(ids) and rows[1] is not None else None

    finished = wait_until(all_final, 3600, "the jobs to finish", interval=0.1)
    with sessions() as session:
        failed = session.scalar(select(func.count()).where(Job.id.in_(ids), Job.status != "completed"))
    if failed:
        raise RuntimeError(f"{failed} of {len(ids)} jobs did not complete")
    return float(finished)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--text-pages", type=int, default=40)
    parser.add_argument("--ocr-pages", type=int, default=6)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--postgres-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--s3-endpoint-url")
    args = parser.parse_args()
    text_pdfs = text_inputs(args.corpus, args.text_pages)
    scans = ocr_inputs(text_pdfs, args.ocr_pages)
    kinds = [("text", text_pdfs, "pdf"), ("ocr", scans, "png")]
    print(
        f"inputs: {len(text_pdfs)} text PDFs ({sum(map(_page_count, text_pdfs))} pages), {len(scans)} scans"
    )
    engine_rates = {}
    for kind, inputs, _ in kinds:
        for workers in args.workers:
            engine_rates[kind, workers] = engine_docs_per_min(inputs, workers)
            print(
                f"engine alone  {kind:4s} {workers} process(es): {engine_rates[kind, workers]:8.1f} docs/min"
            )
            sys.stdout.flush()
    backends = ["embedded"] + (["scale-out"] if args.postgres_url and args.redis_url else [])
    failed = False
    with tempfile.TemporaryDirectory(prefix="extractd-throughput-") as tmp, contextlib.ExitStack() as stack:
        root = Path(tmp)
        s3_endpoint = args.s3_endpoint_url
        if "scale-out" in backends and not s3_endpoint:
            os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
            os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
            os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
            s3_endpoint = stack.enter_context(moto_s3(root))
        for backend in backends:
            for kind, inputs, suffix in kinds:
                for workers in args.workers:
                    with contextlib.ExitStack() as per_run:
                        env = dict(COMMON_ENV)
                        if backend == "scale-out":
                            env |= per_run.enter_context(scale_out_env(args, str(s3_endpoint)))
                        rate = run_service(
                            backend, workers, inputs, suffix, env, root / f"{backend}-{kind}-{workers}"
                        )
                    ratio = rate / engine_rates[kind, workers]
                    ok = 1 - ratio < OVERHEAD_TARGETS[kind]
                    failed |= not ok
                    print(
                        f"{backend:9s} {kind:4s} {workers} worker(s): {rate:8.1f} docs/min, "
                        f"{ratio:6.1%} of the engine alone (overhead target < {OVERHEAD_TARGETS[kind]:.0%}: "
                        f"{'met' if ok else 'NOT met'})"
                    )
                    sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
