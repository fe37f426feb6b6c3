"""Poll rate limiting: at most EXTRACTD_POLL_RATE status requests per second for one job.

The counter lives where every API process can see it: in Redis when EXTRACTD_REDIS_URL is set, else in
the database. Windows are fixed: ``window_s`` seconds long, ``limit`` requests each.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from extractd.config import Settings
from extractd.domain.errors import RateLimited
from extractd.store.db import SessionFactory, transaction
from extractd.store.repositories import rate_limits


class PollCounter(Protocol):
    def hit(self, bucket: str, ttl_s: float) -> int:
        """Count one request in ``bucket`` (kept ``ttl_s`` seconds) and return the bucket's total."""
        ...


class DatabasePollCounter:
    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    def hit(self, bucket: str, ttl_s: float) -> int:
        now = datetime.now(UTC)
        with transaction(self.sessions) as session:
            count = rate_limits.increment(session, bucket, now + timedelta(seconds=ttl_s))
            if count == 1:
                # A new window started: sweep the finished ones, so the table stays small.
                rate_limits.delete_expired(session, now)
            return count


class RedisPollCounter:
    def __init__(self, redis_client: Any) -> None:
        self.redis = redis_client

    def hit(self, bucket: str, ttl_s: float) -> int:
        pipe = self.redis.pipeline()
        pipe.incr(f"extractd:rate:{bucket}")
        pipe.expire(f"extractd:rate:{bucket}", max(1, math.ceil(ttl_s)))
        count, _ = pipe.execute()
        return int(count)


def open_poll_counter(settings: Settings, sessions: SessionFactory) -> PollCounter:
    if settings.redis_url:
        import redis  # the `scale` extra; only needed when Redis is configured

        return RedisPollCounter(redis.Redis.from_url(settings.redis_url))
    return DatabasePollCounter(sessions)


@dataclass(frozen=True)
class PollWindow:
    window_s: float
    limit: int

    @classmethod
    def for_rate(cls, per_second: float) -> PollWindow:
        # Rates under one per second get a longer window, so the limit stays a whole number.
        window_s = max(1.0, 1.0 / per_second)
        return cls(window_s=window_s, limit=max(1, math.floor(per_second * window_s)))


def check_poll_rate(counter: PollCounter, settings: Settings, job_id: str) -> None:
    """Raise RateLimited (with the seconds until the window ends) past the per-job poll limit."""
    window = PollWindow.for_rate(settings.poll_rate)
    now = time.time()
    number = math.floor(now / window.window_s)
    count = counter.hit(f"poll:{job_id}:{number}", window.window_s * 2)
    if count > window.limit:
        retry_after = (number + 1) * window.window_s - now
        raise RateLimited(retry_after_s=retry_after)
