"""The Huey instance, built from settings: Huey on a SQLite file by default, on Redis when configured.

Both pick a message up as soon as it is sent: Redis with a blocking pop, SQLite through wake pipes
(``queue.wake``) that every enqueue writes to, with ``EXTRACTD_QUEUE_POLL_S`` as the longest sleep.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey
from huey.storage import SqliteStorage

from extractd.config import Settings
from extractd.queue.wake import Wakeup

QUEUE_NAME = "extractd"
# Redis: how long one blocking pop waits before the job process looks at its stop flag again.
REDIS_READ_TIMEOUT_S = 1


class WakingSqliteStorage(SqliteStorage):  # type: ignore[misc]
    """Huey's SQLite storage that wakes the waiting job processes once a message is committed."""

    def __init__(self, *args: Any, wake_dir: str, **kwargs: Any) -> None:
        self.wakeup = Wakeup(Path(wake_dir))
        super().__init__(*args, **kwargs)

    def _create_connection(self) -> Any:
        connection = super()._create_connection()
        # WAL with synchronous=NORMAL: a commit does not wait for fsync (a power cut may lose the last
        # messages, never corrupt the file). A lost message costs nothing: the jobs table is the truth and
        # the reaper re-sends queued jobs nobody took.
        connection.execute("pragma synchronous=NORMAL")
        return connection

    def enqueue(self, data: bytes, priority: float | None = None) -> None:
        super().enqueue(data, priority)
        self.wakeup.wake()


class WakingSqliteHuey(Huey):  # type: ignore[misc]
    storage_class = WakingSqliteStorage


def make_huey(settings: Settings) -> Huey:
    # Results are not kept in Huey: the jobs table is where outcomes live.
    if settings.redis_url:
        return RedisHuey(
            QUEUE_NAME,
            url=settings.redis_url,
            results=False,
            blocking=True,
            read_timeout=REDIS_READ_TIMEOUT_S,
        )
    settings.queue_path.parent.mkdir(parents=True, exist_ok=True)
    return WakingSqliteHuey(
        QUEUE_NAME,
        filename=str(settings.queue_path),
        results=False,
        timeout=30,
        wake_dir=str(settings.wake_dir),
    )


def wakeup_of(huey: Huey) -> Wakeup | None:
    """The wake pipes of a SQLite queue; None for Redis, whose blocking pop needs none."""
    storage = huey.storage
    return storage.wakeup if isinstance(storage, WakingSqliteStorage) else None
