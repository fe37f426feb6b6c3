"""Readiness: can this API node reach the database, the queue and the blob storage right now?"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from extractd.services.context import ServiceContext
from extractd.store.db import ping

CHECK_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: dict[str, Any]


def check_readiness(ctx: ServiceContext, timeout_s: float = CHECK_TIMEOUT_S) -> list[Check]:
    """Run every dependency's probe at once, each bounded by ``timeout_s``; one Check per dependency."""
    probes: dict[str, Callable[[], dict[str, Any] | None]] = {
        "database": lambda: ping(ctx.sessions),
        "queue": lambda: {"pending": ctx.queue.pending_count()},
        "storage": ctx.blobs.check,
    }
    pool = concurrent.futures.ThreadPoolExecutor(len(probes), thread_name_prefix="readyz")
    try:
        futures = {name: pool.submit(probe) for name, probe in probes.items()}
        concurrent.futures.wait(futures.values(), timeout=timeout_s)
        return [_outcome(name, future, timeout_s) for name, future in futures.items()]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a hung probe must not hold the answer


def _outcome(name: str, future: concurrent.futures.Future[dict[str, Any] | None], timeout_s: float) -> Check:
    if not future.done():
        return Check(name, False, {"error": f"no answer within {timeout_s:g}s"})
    try:
        detail = future.result() or {}
    except Exception as exc:
        message = " ".join(str(exc).split())[:300]
        return Check(name, False, {"error": f"{type(exc).__name__}: {message}"})
    return Check(name, True, detail)
