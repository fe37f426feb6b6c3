"""``extractd-client submit``: many files, bounded concurrency, one JSON line per file, resumable.

A rerun with the same ``--out`` skips every file that already has its line. Each file's create carries an
Idempotency-Key made from its bytes, the template and the options, so a file whose job was created just
before an interruption gets that same job back on the rerun (the server keeps keys 24 h), not a second one.
Files that failed only transiently (server unreachable, still busy after every retry) get no line, so the
rerun tries them again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from extractd_client import errors
from extractd_client.aio import AsyncClient
from extractd_client.operations import JobOptions

# Worth a rerun: nothing final was learned about the file.
TRANSIENT = (errors.ConnectionFailed, errors.WaitTimeout, errors.ServiceUnavailable, errors.RateLimited)


def done_files(out: Path) -> set[Path]:
    """The files that have their line in ``out``; a last line cut short by a kill is dropped from the file."""
    if not out.exists():
        return set()
    content = out.read_bytes()
    complete = content[: content.rfind(b"\n") + 1]
    if len(complete) != len(content):
        out.write_bytes(complete)
    done = set()
    for line in complete.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("file"), str):
            done.add(Path(record["file"]).resolve())
    return done


def idempotency_key(content: bytes, options: JobOptions) -> str:
    digest = hashlib.sha256(content)
    digest.update(json.dumps(options.form(sync=False), sort_keys=True).encode())
    return f"extractd-client-submit-{digest.hexdigest()[:48]}"


@dataclass
class Progress:
    """A one-line progress bar on a terminal; a line per file elsewhere (logs stay readable)."""

    total: int
    stream: IO[str] = field(default_factory=lambda: sys.stderr)
    counts: dict[str, int] = field(default_factory=dict)

    def update(self, path: Path, status: str) -> None:
        self.counts[status] = self.counts.get(status, 0) + 1
        finished = sum(self.counts.values())
        summary = "  ".join(f"{name} {count}" for name, count in sorted(self.counts.items()))
        if self.stream.isatty():
            filled = int(30 * finished / max(self.total, 1))
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {finished}/{self.total}  {summary}")
            if finished == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"{finished}/{self.total} {status}: {path}\n")
        self.stream.flush()


def record_for(path: Path, outcome: Any) -> dict[str, Any] | None:
    """The JSON line of a file, or None when its failure was transient (no line: a rerun retries it)."""
    if isinstance(outcome, TRANSIENT):
        return None
    if isinstance(outcome, errors.ReviewRequired):
        return {"file": str(path), "status": "review_required", "jobId": outcome.job_id}
    if isinstance(outcome, errors.JobFailed):
        error = {"code": outcome.job_error_code or outcome.code, "message": outcome.message}
        return {"file": str(path), "status": "failed", "jobId": outcome.job_id, "error": error}
    if isinstance(outcome, errors.ExtractdError):
        return {
            "file": str(path),
            "status": "failed",
            "error": {"code": outcome.code, "message": outcome.message},
        }
    return {"file": str(path), "status": "completed", "jobId": outcome.job_id, "data": outcome.raw}


async def _one(client: AsyncClient, path: Path, options: JobOptions, timeout: float | None) -> Any:
    try:
        content = path.read_bytes()
    except OSError as exc:
        return errors.ExtractdError(f"cannot read {path}: {exc.strerror}", code="FILE_UNREADABLE")
    try:
        return await client.run(
            client.ops.extract(content, options, path.name, timeout, idempotency_key(content, options))
        )
    except errors.ExtractdError as exc:
        return exc


async def submit(
    client: AsyncClient,
    files: list[Path],
    options: JobOptions,
    out: IO[str],
    *,
    concurrency: int = 4,
    timeout: float | None = 600.0,
    skip: set[Path] | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Extract every file not in ``skip``, ``concurrency`` at a time; write each line as it finishes."""
    todo = [path for path in files if path.resolve() not in (skip or set())]
    progress = progress or Progress(len(todo))
    queue: asyncio.Queue[Path] = asyncio.Queue()
    for path in todo:
        queue.put_nowait(path)
    counts: dict[str, int] = {"skipped": len(files) - len(todo)}

    async def worker() -> None:
        while not queue.empty():
            path = queue.get_nowait()
            record = record_for(path, await _one(client, path, options, timeout))
            status = record["status"] if record else "retry later"
            if record is not None:
                # One write per line, no await between: lines of concurrent files never interleave.
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
            counts[status] = counts.get(status, 0) + 1
            progress.update(path, status)

    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    return counts
