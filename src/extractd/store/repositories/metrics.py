"""The figures /metrics reports that live in the database, so every API node reports the whole cluster."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from extractd.store.models import Job, JobRunStats, WebhookAttempt, WebhookMessage


@dataclass
class Distribution:
    """Cumulative bucket counts (``le`` → runs at or under it), how many runs in all, and their sum."""

    buckets: list[tuple[float, int]] = field(default_factory=list)
    count: int = 0
    total: float = 0.0


class MetricsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def jobs_by_status(self) -> dict[str, int]:
        rows = self.session.execute(select(Job.status, func.count()).group_by(Job.status))
        return {str(status): int(count) for status, count in rows}

    def ocr_pages_total(self) -> int:
        return int(self.session.scalar(select(func.coalesce(func.sum(JobRunStats.ocr_pages), 0))) or 0)

    def run_seconds(self, bounds: Sequence[float]) -> dict[str, Distribution]:
        """Per loader kind, the distribution of the finished runs' durations."""
        return self._distribution(JobRunStats.seconds, bounds)

    def run_pages(self, bounds: Sequence[float]) -> dict[str, Distribution]:
        """Per loader kind, the distribution of the finished runs' page counts."""
        return self._distribution(JobRunStats.pages, bounds)

    def _distribution(
        self, column: InstrumentedAttribute[Any], bounds: Sequence[float]
    ) -> dict[str, Distribution]:
        # One pass over the table: a SUM(CASE …) per bucket, grouped by loader kind.
        under = [func.sum(case((column <= bound, 1), else_=0)) for bound in bounds]
        query = select(
            JobRunStats.loader_kind, func.count(), func.coalesce(func.sum(column), 0), *under
        ).group_by(JobRunStats.loader_kind)
        found: dict[str, Distribution] = {}
        for kind, count, total, *cumulative in self.session.execute(query):
            found[str(kind)] = Distribution(
                buckets=[(bound, int(n or 0)) for bound, n in zip(bounds, cumulative, strict=True)],
                count=int(count),
                total=float(total),
            )
        return found

    def webhook_attempts(self) -> dict[str, int]:
        """Delivery attempts by outcome: ``delivered`` (2xx), ``rejected`` (another HTTP status) or
        ``unreachable`` (no answer: refused, timed out, or an address the SSRF guard refused)."""
        outcome = case(
            (WebhookAttempt.succeeded, "delivered"),
            (WebhookAttempt.status_code.is_not(None), "rejected"),
            else_="unreachable",
        )
        rows = self.session.execute(select(outcome, func.count()).group_by(outcome))
        return {str(name): int(count) for name, count in rows}

    def webhook_messages(self) -> dict[str, int]:
        """Outbox messages by status: pending (still being tried), delivered, failed (gave up)."""
        rows = self.session.execute(
            select(WebhookMessage.status, func.count()).group_by(WebhookMessage.status)
        )
        return {str(status): int(count) for status, count in rows}

    def record_run(
        self, job_id: str, attempt: int, loader_kind: str, pages: int, ocr_pages: int, seconds: float
    ) -> None:
        """Remember a finished run (in the transaction that stores its result)."""
        self.session.merge(
            JobRunStats(
                job_id=job_id,
                attempt=attempt,
                loader_kind=loader_kind,
                pages=pages,
                ocr_pages=ocr_pages,
                seconds=seconds,
            )
        )
        self.session.flush()
