"""deliveryMode=webhook needs an enabled subscription that receives both job.completed and job.failed."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from extractd.domain.errors import WebhookCoverageUnresolved
from extractd.services.webhook_coverage import NoSubscriptions, Subscription, ensure_webhook_coverage


class Subscriptions:
    def __init__(self, *subscriptions: Subscription) -> None:
        self.subscriptions = subscriptions

    def subscriptions_of(self, environment_id: str) -> Iterable[Subscription]:
        return self.subscriptions


def _sub(*events: str, enabled: bool = True) -> Subscription:
    return Subscription(enabled=enabled, events=frozenset(events))


@pytest.mark.parametrize(
    "source",
    [
        Subscriptions(_sub("job.completed", "job.failed")),
        Subscriptions(_sub("*")),
        Subscriptions(_sub("job.queued"), _sub("job.completed", "job.failed", "job.cancelled")),
    ],
)
def test_covered(source: Subscriptions) -> None:
    ensure_webhook_coverage(source, "env")


@pytest.mark.parametrize(
    "source",
    [
        NoSubscriptions(),
        Subscriptions(_sub("job.completed")),
        Subscriptions(_sub("job.completed"), _sub("job.failed")),  # no single subscription gets both
        Subscriptions(_sub("*", enabled=False)),
        Subscriptions(_sub("job.completed", "job.failed", enabled=False)),
    ],
)
def test_unresolved(source: Subscriptions | NoSubscriptions) -> None:
    with pytest.raises(WebhookCoverageUnresolved):
        ensure_webhook_coverage(source, "env")
