"""The Huey instance, built from settings: Huey on a SQLite file by default, on Redis when configured."""

from __future__ import annotations

from huey import Huey, RedisHuey, SqliteHuey

from extractd.config import Settings

QUEUE_NAME = "extractd"


def make_huey(settings: Settings) -> Huey:
    # Results are not kept in Huey: the jobs table is where outcomes live.
    if settings.redis_url:
        return RedisHuey(QUEUE_NAME, url=settings.redis_url, results=False)
    settings.queue_path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(QUEUE_NAME, filename=str(settings.queue_path), results=False, timeout=30)
