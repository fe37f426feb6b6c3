"""When to try a failed delivery again: EXTRACTD_WEBHOOK_RETRY_SCHEDULE, each delay jittered ±10%."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

JITTER = 0.1


def next_attempt_at(
    schedule: Sequence[float], failed_attempt: int, now: datetime, rng: random.Random | None = None
) -> datetime | None:
    """After attempt number ``failed_attempt`` (1-based) failed: when to try again, or None to give up.

    The first attempt is immediate; the schedule holds the waits before the 2nd, 3rd, … attempt.
    """
    if failed_attempt < 1 or failed_attempt > len(schedule):
        return None
    delay = schedule[failed_attempt - 1]
    factor = 1 + (rng or random).uniform(-JITTER, JITTER)
    return now + timedelta(seconds=max(0.0, delay * factor))
